namespace Portal.Web.Email;

public static class EmailWebExtensions
{
    /// <summary>The outbox pages' gate (Support only, and only where <c>Email:ShowOutbox</c> allows).</summary>
    public static IServiceCollection AddPortalEmailUi(this IServiceCollection services) => services.AddScoped<OutboxAccess>();
}

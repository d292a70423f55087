namespace Portal.Core.Leases;

/// <summary>Where lease pages live, for links in notifications and e-mails.</summary>
public static class LeaseLinks
{
    public static string Lease(Guid id) => $"/leases/{id}";
}

using Microsoft.AspNetCore.Identity;

namespace Portal.Core.Data;

public class ApplicationUser : IdentityUser
{
    /// <summary>The organisation this user last switched to; validated against memberships on every request.</summary>
    public Guid? CurrentTenantId { get; set; }

    public DateTime CreatedAt { get; set; }
}

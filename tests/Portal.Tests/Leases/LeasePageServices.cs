using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Leases;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Leases;

/// <summary>The member's lease classes for a bUnit context, so lease pages act as that member.</summary>
internal static class LeasePageServices
{
    private static readonly Type[] LeaseClasses =
    [
        typeof(LeaseQueries), typeof(LeaseTerms), typeof(LeaseAvailability), typeof(LeaseQuoting), typeof(FlexibleSkuChoice), typeof(LeaseSigning),
        typeof(LeaseExtending), typeof(ExtensionSigning), typeof(LeaseCancelling), typeof(Portal.Core.Deals.DealResponse),
    ];

    public static void AddLeaseClassesOf(this IServiceCollection services, MemberScope member)
    {
        foreach (var type in LeaseClasses) services.AddSingleton(type, member.Services.GetRequiredService(type));
    }
}

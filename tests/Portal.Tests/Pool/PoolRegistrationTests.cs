using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Pool;

namespace Portal.Tests.Pool;

/// <summary>
/// Which driver the portal registers: the simulator's as before when every region runs on it, the router when one does
/// not; both as a factory, so tests that wrap the driver keep working; a misspelt driver stops the start.
/// </summary>
public class PoolRegistrationTests
{
    private static IServiceCollection Register(params (string Key, string Value)[] settings) =>
        new ServiceCollection().AddPortalPool(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build());

    [Fact]
    public void Every_region_on_the_simulator_registers_the_simulator_driver_alone()
    {
        var services = Register(("Pool:Regions:us-east-2:Name", "Ohio"));

        var driver = services.Last(d => d.ServiceType == typeof(IGpuPoolDriver));
        Assert.NotNull(driver.ImplementationFactory);
        Assert.DoesNotContain(services, d => d.ServiceType == typeof(PoolRegionDrivers));
    }

    [Fact]
    public void A_slurm_region_puts_the_router_in_front_registered_with_a_factory()
    {
        var services = Register(("Pool:Regions:eu-slurm-1:Driver", "Slurm"));

        var driver = services.Last(d => d.ServiceType == typeof(IGpuPoolDriver));
        Assert.NotNull(driver.ImplementationFactory);
        Assert.Contains(services, d => d.ServiceType == typeof(PoolRegionDrivers));
        Assert.Contains(services, d => d.ServiceType == typeof(PoolDriverFactory));
    }

    [Fact]
    public void An_unknown_driver_name_stops_the_start_with_the_setting_named()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Register(("Pool:Regions:eu-1:Driver", "Slrum")));

        Assert.Equal("Pool:Regions:eu-1:Driver is 'Slrum': use Simulator or Slurm.", e.Message);
    }
}

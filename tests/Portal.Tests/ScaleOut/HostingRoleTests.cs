using Microsoft.Extensions.Configuration;
using Portal.Web.Hosting;

namespace Portal.Tests.ScaleOut;

/// <summary>
/// <c>Hosting:Role</c>: which role a process takes from its settings, and the split deployments that cannot work stopping at
/// start with the setting named (the processes themselves are in <see cref="ScaleOutKillTests"/>).
/// </summary>
public class HostingRoleTests
{
    private const string Postgres = "PostgreSql";

    private static HostingRole Resolve(params (string Key, string Value)[] settings) =>
        HostingRoles.Resolve(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build());

    [Fact]
    public void Without_a_role_a_process_does_everything_and_Jobs_RunServer_false_still_makes_it_web_only()
    {
        Assert.Equal(HostingRole.All, Resolve());
        Assert.Equal(HostingRole.Web, Resolve(("Jobs:RunServer", "false")));
    }

    [Fact]
    public void Web_and_worker_roles_on_PostgreSQL_with_a_shared_pool()
    {
        Assert.Equal(HostingRole.Web, Resolve(("Hosting:Role", "web"), ("Database:Provider", Postgres)));
        Assert.Equal(HostingRole.Worker, Resolve(("Hosting:Role", "Worker"), ("Database:Provider", Postgres),
            ("Pool:SimulatorUrl", "http://127.0.0.1:5180/")));
        Assert.Equal(HostingRole.Worker, Resolve(("Hosting:Role", "worker"), ("Database:Provider", Postgres), ("Pool:Driver", "Slurm")));
        Assert.Equal(HostingRole.All, Resolve(("Hosting:Role", "all")));
    }

    [Theory]
    [InlineData("Hosting:Role=banana", "use web, worker or all")]
    [InlineData("Hosting:Role=1", "use web, worker or all")]
    [InlineData("Hosting:Role=worker;Database:Provider=Sqlite;Pool:SimulatorUrl=http://127.0.0.1:5180/", "needs Database:Provider=PostgreSql")]
    [InlineData("Hosting:Role=web", "needs Database:Provider=PostgreSql")]
    [InlineData("Hosting:Role=worker;Database:Provider=PostgreSql", "needs Pool:SimulatorUrl")]
    [InlineData("Hosting:Role=worker;Jobs:RunServer=false;Database:Provider=PostgreSql", "Jobs:RunServer=false")]
    public void A_split_that_cannot_work_stops_the_start_and_names_the_setting(string settings, string message)
    {
        var pairs = settings.Split(';').Select(s => s.Split('=', 2)).Select(kv => (kv[0], kv[1])).ToArray();
        var error = Assert.Throws<InvalidOperationException>(() => Resolve(pairs));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public async Task The_built_portal_refuses_to_start_as_a_worker_without_the_shared_pool()
    {
        using var process = ScriptJobs.PortalProcess.Start(["--Hosting:Role=worker", "--Database:Provider=PostgreSql",
            "--ConnectionStrings:Portal=Host=127.0.0.1;Port=9;Database=none"]);
        for (var waited = 0; !process.HasExited; waited += 100)
        {
            Assert.True(waited < 120_000, "The worker kept running without a shared pool:\n" + process.Tail());
            await Task.Delay(100);
        }
        await process.KillAsync(); // already exited: this waits until its output is read to the end
        Assert.Contains("needs Pool:SimulatorUrl", process.Tail());
    }
}

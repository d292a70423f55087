using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Portal.Core.Audit;
using Portal.Core.Email;
using Portal.Web.Email;

namespace Portal.Tests.Identity;

/// <summary>Where the outbox pages exist at all (on top of the Support policy): the rule of Email:ShowOutbox.</summary>
public sealed class OutboxSettingTests
{
    [Theory]
    [InlineData("Development", null, "127.0.0.1", true)]
    [InlineData("Development", null, "::1", true)]
    [InlineData("Development", null, "::ffff:127.0.0.1", true)]
    [InlineData("Development", null, "192.168.1.20", false)]
    [InlineData("Development", null, null, false)]
    [InlineData("Production", null, "127.0.0.1", false)]
    [InlineData("Development", false, "127.0.0.1", false)]
    [InlineData("Production", true, "203.0.113.7", true)]
    public void Unset_it_is_open_on_loopback_in_development_set_it_decides(string environment, bool? show, string? address, bool open)
    {
        var access = new OutboxAccess(Options.Create(new EmailOptions { ShowOutbox = show }), new Environment(environment),
            new AuditOrigin { IpAddress = address });
        Assert.Equal(open, access.IsOpen);
    }

    [Fact]
    public void With_smtp_there_is_no_outbox_even_when_asked_for()
    {
        var access = new OutboxAccess(Options.Create(new EmailOptions { Mode = "Smtp", ShowOutbox = true }), new Environment("Development"),
            new AuditOrigin { IpAddress = "127.0.0.1" });
        Assert.False(access.IsOpen);
    }

    private sealed class Environment(string name) : IWebHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;
        public string ApplicationName { get; set; } = "Portal.Web";
        public string WebRootPath { get; set; } = "";
        public IFileProvider WebRootFileProvider { get; set; } = new NullFileProvider();
        public string ContentRootPath { get; set; } = "";
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}

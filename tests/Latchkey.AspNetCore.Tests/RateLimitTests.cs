using System.Net;
using System.Text.Json;

namespace Latchkey.AspNetCore.Tests;

public sealed class RateLimitTests
{
    private static readonly string LoginBody = JsonSerializer.Serialize(new
    {
        login = "nobody@example.com", password = "not the right passphrase", appId = "app-instance-1",
    });

    private static Dictionary<string, string?> Limit(int perMinute, string? trustedProxy = null)
    {
        var settings = new Dictionary<string, string?> { ["Latchkey:Network:CredentialRequestsPerMinute"] = perMinute.ToString() };
        if (trustedProxy is not null)
        {
            settings["Latchkey:Network:TrustedProxies:0"] = trustedProxy;
        }

        return settings;
    }

    [Fact]
    public async Task LoginsBeyondTheLimitPerClientAddressGetTooManyRequestsWithRetryAfter()
    {
        await using var host = await LatchkeyTestHost.StartAsync(Limit(3));
        var first = IPAddress.Parse("198.51.100.1");

        var allowed = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            allowed.Add((await RawRequest.SendAsync(host, "POST", "/v1/login", LoginBody, first)).Response.StatusCode);
        }

        var refused = await RawRequest.SendAsync(host, "POST", "/v1/login", LoginBody, first);
        var otherClient = await RawRequest.SendAsync(host, "POST", "/v1/login", LoginBody, IPAddress.Parse("198.51.100.2"));

        Assert.All(allowed, status => Assert.Equal(401, status));
        Assert.Equal(429, refused.Response.StatusCode);
        Assert.Equal("application/problem+json", refused.Response.ContentType);
        Assert.True(int.Parse(refused.Response.Headers.RetryAfter.ToString()) >= 1);
        Assert.Equal(401, otherClient.Response.StatusCode);
    }

    [Fact]
    public async Task ForwardedForIsHonouredOnlyFromATrustedProxy()
    {
        var proxy = IPAddress.Parse("10.0.0.5");
        await using var trusting = await LatchkeyTestHost.StartAsync(Limit(2, trustedProxy: "10.0.0.5"));
        await using var distrusting = await LatchkeyTestHost.StartAsync(Limit(2));

        async Task<int> FromAsync(LatchkeyTestHost host, string forwardedFor) => (await RawRequest.SendAsync(host, "POST", "/v1/login", LoginBody, proxy,
            new Dictionary<string, string> { ["X-Forwarded-For"] = forwardedFor })).Response.StatusCode;

        var trusted = new[] { await FromAsync(trusting, "203.0.113.1"), await FromAsync(trusting, "203.0.113.2"), await FromAsync(trusting, "203.0.113.3") };
        var spoofed = new[] { await FromAsync(distrusting, "203.0.113.1"), await FromAsync(distrusting, "203.0.113.2"), await FromAsync(distrusting, "203.0.113.3") };

        Assert.Equal([401, 401, 401], trusted);
        Assert.Equal([401, 401, 429], spoofed);
    }

    [Fact]
    public async Task SignupIsLimitedPerClientAddressToo()
    {
        await using var host = await LatchkeyTestHost.StartAsync(Limit(1));
        var client = IPAddress.Parse("198.51.100.7");
        string Body(int i) => JsonSerializer.Serialize(new { tenant = "Acme", login = $"user{i}@example.com", password = LatchkeyTestHost.Password });

        var first = await RawRequest.SendAsync(host, "POST", "/v1/signup", Body(1), client);
        var second = await RawRequest.SendAsync(host, "POST", "/v1/signup", Body(2), client);

        Assert.Equal(201, first.Response.StatusCode);
        Assert.Equal(429, second.Response.StatusCode);
    }

    [Fact]
    public async Task TwoAddressesInOneIPv6SlashSixtyFourShareOneBudget()
    {
        await using var host = await LatchkeyTestHost.StartAsync(Limit(2));

        async Task<int> FromAsync(string address) =>
            (await RawRequest.SendAsync(host, "POST", "/v1/login", LoginBody, IPAddress.Parse(address))).Response.StatusCode;

        var sameSlashSixtyFour = new[] { await FromAsync("2001:db8:1:2::1"), await FromAsync("2001:db8:1:2:ffff::3"), await FromAsync("2001:db8:1:2:abcd::9") };
        var nextSlashSixtyFour = await FromAsync("2001:db8:1:3::1");

        Assert.Equal([401, 401, 429], sameSlashSixtyFour);
        Assert.Equal(401, nextSlashSixtyFour);
    }

    [Fact]
    public async Task AnIPv4MappedIPv6AddressSharesTheBudgetOfItsIPv4Address()
    {
        await using var host = await LatchkeyTestHost.StartAsync(Limit(1));

        var plain = await RawRequest.SendAsync(host, "POST", "/v1/login", LoginBody, IPAddress.Parse("198.51.100.9"));
        var mapped = await RawRequest.SendAsync(host, "POST", "/v1/login", LoginBody, IPAddress.Parse("::ffff:198.51.100.9"));

        Assert.Equal(401, plain.Response.StatusCode);
        Assert.Equal(429, mapped.Response.StatusCode);
    }

    [Fact]
    public async Task TheIPv6PrefixLengthIsConfigurable()
    {
        await using var host = await LatchkeyTestHost.StartAsync(new Dictionary<string, string?>(Limit(1))
        {
            ["Latchkey:Network:IPv6PrefixLength"] = "128",
        });

        var first = await RawRequest.SendAsync(host, "POST", "/v1/login", LoginBody, IPAddress.Parse("2001:db8::1"));
        var neighbour = await RawRequest.SendAsync(host, "POST", "/v1/login", LoginBody, IPAddress.Parse("2001:db8::2"));

        Assert.Equal(401, first.Response.StatusCode);
        Assert.Equal(401, neighbour.Response.StatusCode);
    }
}

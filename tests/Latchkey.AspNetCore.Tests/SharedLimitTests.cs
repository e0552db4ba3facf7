using System.Net;
using Latchkey.Core.Stores;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.LoadBalancing;

namespace Latchkey.AspNetCore.Tests;

/// <summary>
/// The limits that must hold across instances: several hosts on one PostgreSQL database (whatever the run's provider:
/// several instances on one database is a PostgreSQL deployment), directly and through a YARP round-robin balancer.
/// </summary>
public sealed class SharedLimitTests
{
    private static Dictionary<string, string?> Limits(int failureBurst, int reportsPermits = 2) => new()
    {
        ["Latchkey:Network:FailureBurst"] = failureBurst.ToString(),
        ["Latchkey:Network:FailuresPerMinute"] = "1",
        ["Latchkey:RateLimits:Policies:reports:Permits"] = reportsPermits.ToString(),
        ["Latchkey:RateLimits:Policies:reports:Window"] = "00:01:00",
    };

    private static async Task<List<LatchkeyTestHost>> StartHostsAsync(int count, Dictionary<string, string?> settings)
    {
        var first = await LatchkeyTestHost.StartAsync(settings, provider: "postgres");
        var hosts = new List<LatchkeyTestHost> { first };
        for (var i = 1; i < count; i++)
        {
            hosts.Add(await LatchkeyTestHost.StartAsync(settings, sameDatabaseAs: first));
        }

        return hosts;
    }

    private static async Task DisposeAsync(IEnumerable<LatchkeyTestHost> hosts)
    {
        // Note: the first owns the database, so it goes last.
        foreach (var host in hosts.Reverse())
        {
            await host.DisposeAsync();
        }
    }

    private static Task<HttpResponseMessage> WrongLoginAsync(LatchkeyTestHost host, int i) =>
        host.SendAsync(HttpMethod.Post, "/v1/login", new { login = $"victim{i}@example.com", password = "not the right passphrase", appId = "app-instance-1" });

    [Fact]
    public async Task PerAddressFailuresOnTwoHostsSharingOnePostgresDrawOnOneAllowance()
    {
        var hosts = await StartHostsAsync(2, Limits(failureBurst: 4));
        try
        {
            await hosts[0].SignupAsync("colleague@example.com");
            var statuses = new List<HttpStatusCode>();
            for (var i = 0; i < 6; i++)
            {
                statuses.Add((await WrongLoginAsync(hosts[i % 2], i)).StatusCode);
            }

            var colleague = await hosts[1].SendAsync(HttpMethod.Post, "/v1/login",
                new { login = "colleague@example.com", password = LatchkeyTestHost.Password, appId = "app-instance-2" });

            Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Unauthorized, 4), HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
            await ProblemAssert.IsProblemAsync(colleague, HttpStatusCode.TooManyRequests);
            Assert.NotNull(colleague.Headers.RetryAfter);
        }
        finally
        {
            await DisposeAsync(hosts);
        }
    }

    [Fact]
    public async Task ACredentialsRateLimitOnTwoHostsSharingOnePostgresIsOneCount()
    {
        var hosts = await StartHostsAsync(2, Limits(failureBurst: 100, reportsPermits: 10));
        try
        {
            var alice = await hosts[0].SignupAndLoginAsync();
            var statuses = new List<HttpStatusCode>();
            for (var i = 0; i < 14; i++)
            {
                statuses.Add((await hosts[i % 2].SendAsync(HttpMethod.Get, "/integrator/reports/daily", credential: alice)).StatusCode);
            }

            Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.OK, 10), .. Enumerable.Repeat(HttpStatusCode.TooManyRequests, 4)], statuses);
        }
        finally
        {
            await DisposeAsync(hosts);
        }
    }

    [Fact]
    public async Task WhenTheSharedCountCannotBeReachedAFailureOrARateLimitedRequestIsAnsweredServiceUnavailable()
    {
        var hosts = await StartHostsAsync(1, Limits(failureBurst: 100));
        var alice = await hosts[0].SignupAndLoginAsync();
        await using var cut = await LatchkeyTestHost.StartAsync(Limits(failureBurst: 100), sameDatabaseAs: hosts[0],
            services: s => s.Replace(ServiceDescriptor.Singleton<ISharedLimitStore, UnreachableSharedLimits>()));
        try
        {
            var failure = await WrongLoginAsync(cut, 1);
            var limited = await cut.SendAsync(HttpMethod.Get, "/integrator/reports/daily", credential: alice);

            await ProblemAssert.IsProblemAsync(failure, HttpStatusCode.ServiceUnavailable);
            await ProblemAssert.IsProblemAsync(limited, HttpStatusCode.ServiceUnavailable);
        }
        finally
        {
            await DisposeAsync(hosts);
        }
    }

    [Fact]
    public async Task ThroughARoundRobinBalancerThreeHostsOnOnePostgresHoldOneCredentialLimitAndOneFailureAllowance()
    {
        // Note: the accuracy bound is 10 % over the limit; 60 permits keep the test to a second or two.
        const int Permits = 60;
        const int Burst = 10;
        var hosts = await StartHostsAsync(3, Limits(failureBurst: Burst, reportsPermits: Permits));
        try
        {
            await using var balancer = await Balancer.StartAsync(hosts);
            var alice = await hosts[0].SignupAndLoginAsync();

            var limited = new List<HttpStatusCode>();
            for (var i = 0; i < Permits + 30; i++)
            {
                var request = new HttpRequestMessage(HttpMethod.Get, "/integrator/reports/daily");
                alice.Apply(request);
                limited.Add((await balancer.Client.SendAsync(request)).StatusCode);
            }

            var failures = new List<HttpStatusCode>();
            for (var i = 0; i < Burst + 6; i++)
            {
                failures.Add((await balancer.Client.PostAsync("/v1/login", System.Net.Http.Json.JsonContent.Create(
                    new { login = $"victim{i}@example.com", password = "not the right passphrase", appId = "app-instance-1" }))).StatusCode);
            }

            Assert.Equal(3, balancer.Served.Count(n => n > 0));
            Assert.InRange(limited.Count(s => s == HttpStatusCode.OK), Permits, Permits * 11 / 10);
            Assert.All(limited.SkipWhile(s => s == HttpStatusCode.OK), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
            Assert.InRange(failures.Count(s => s == HttpStatusCode.Unauthorized), Burst, Burst * 11 / 10);
            Assert.All(failures.SkipWhile(s => s == HttpStatusCode.Unauthorized), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
        }
        finally
        {
            await DisposeAsync(hosts);
        }
    }

    /// <summary>
    /// YARP in front of the hosts, configured in memory with round-robin balancing; the hosts are in-process test servers,
    /// so the forwarder's client hands each request to the host its destination names.
    /// </summary>
    private sealed class Balancer : IAsyncDisposable
    {
        private readonly WebApplication _proxy;

        private Balancer(WebApplication proxy, int[] served)
        {
            _proxy = proxy;
            Served = served;
            Client = proxy.GetTestClient();
        }

        public HttpClient Client { get; }

        /// <summary>Requests each host was sent.</summary>
        public int[] Served { get; }

        public static async Task<Balancer> StartAsync(IReadOnlyList<LatchkeyTestHost> hosts)
        {
            var served = new int[hosts.Count];
            var builder = WebApplication.CreateBuilder();
            builder.WebHost.UseTestServer();
            builder.Logging.ClearProviders();
            builder.Services.AddReverseProxy().LoadFromMemory(
                [new RouteConfig { RouteId = "all", ClusterId = "latchkey", Match = new RouteMatch { Path = "{**rest}" } }],
                [new ClusterConfig
                {
                    ClusterId = "latchkey",
                    LoadBalancingPolicy = LoadBalancingPolicies.RoundRobin,
                    Destinations = hosts.Select((_, i) => i).ToDictionary(i => $"instance{i}", i => new DestinationConfig { Address = $"http://instance{i}/" }),
                }]);
            builder.Services.AddSingleton<IForwarderHttpClientFactory>(new TestServers(hosts, served));
            var proxy = builder.Build();
            proxy.MapReverseProxy();
            await proxy.StartAsync();
            return new Balancer(proxy, served);
        }

        public async ValueTask DisposeAsync()
        {
            await _proxy.StopAsync();
            await _proxy.DisposeAsync();
        }
    }

    private sealed class TestServers(IReadOnlyList<LatchkeyTestHost> hosts, int[] served) : IForwarderHttpClientFactory
    {
        public HttpMessageInvoker CreateClient(ForwarderHttpClientContext context) => new(new Dispatch(hosts, served));

        private sealed class Dispatch(IReadOnlyList<LatchkeyTestHost> hosts, int[] served) : HttpMessageHandler
        {
            private readonly HttpMessageInvoker[] _servers = hosts.Select(h => new HttpMessageInvoker(h.App.GetTestServer().CreateHandler())).ToArray();

            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                var instance = int.Parse(request.RequestUri!.Host["instance".Length..], System.Globalization.CultureInfo.InvariantCulture);
                Interlocked.Increment(ref served[instance]);
                return _servers[instance].SendAsync(request, cancellationToken);
            }
        }
    }

    private sealed class UnreachableSharedLimits : ISharedLimitStore
    {
        private static NpgsqlException Down() => new("Exception while reading from stream", new IOException("Connection reset by peer"));

        public double ChargeFailure(string client, double burst, double perMinute, DateTimeOffset? now) => throw Down();

        public ValueTask<double?> FailuresLeftAsync(string client, double burst, double perMinute, DateTimeOffset? now, CancellationToken cancellationToken) =>
            throw Down();

        public ValueTask<(int Granted, long Used)> LeaseAsync(
            string key, long windowStart, long windowEnd, int block, int permits, CancellationToken cancellationToken) => throw Down();

        public Task<int> PurgeAsync(long nowSeconds, double burst, double perMinute, DateTimeOffset? now, int batchSize, CancellationToken cancellationToken) =>
            throw Down();
    }
}

using System.Net;
using System.Text.Json;

namespace Latchkey.AspNetCore.Tests;

/// <summary>
/// The lists page like the audit log: <c>?limit=</c> (at most 200) and <c>?before=</c>; the body stays the array it has
/// always been, and <c>Link: &lt;…&gt;; rel="next"</c> leads to the next page.
/// </summary>
public sealed class PagingTests
{
    [Fact]
    public async Task SessionsUsersAndMachineUsersArePagedByTheLinkToTheNextPage()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var (_, ownerId, owner) = await host.CreateTenantAsync("owner@example.com");
        var sessions = new List<Guid> { owner.SessionId!.Value };
        var users = new List<Guid> { ownerId };
        var machines = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            host.Time.Advance(TimeSpan.FromSeconds(1));
            sessions.Add((await host.LoginAsync("owner@example.com", $"app-instance-{i:D2}")).SessionId!.Value);
            users.Add(await host.CreateUserAsync(owner, $"person{i}@example.com"));
            machines.Add((await host.CreateMachineUserAsync(owner, $"bot-{i}")).UserId);
        }

        Assert.Equal(Enumerable.Reverse(sessions), await ReadAllAsync(host, "/v1/sessions?limit=2", owner, "id", pages: 3));
        Assert.Equal(Enumerable.Reverse(users), await ReadAllAsync(host, "/v1/users?limit=2", owner, "userId", pages: 3));
        Assert.Equal(Enumerable.Reverse(machines), await ReadAllAsync(host, "/v1/machine-users?limit=3", owner, "userId", pages: 2));
        var member = users[^1];
        Assert.Equal([sessions[0]], await ReadAllAsync(host, $"/v1/users/{ownerId}/sessions?limit=1&before={sessions[1]}", owner, "id", pages: 1));
        Assert.Empty(await ReadAllAsync(host, $"/v1/users/{member}/sessions", owner, "id", pages: 1));
    }

    [Fact]
    public async Task AListWithoutALimitAnswersUpToTwoHundredWithoutALink()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var owner = await host.SignupAndLoginAsync();

        var response = await host.SendAsync(HttpMethod.Get, "/v1/sessions", credential: owner);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Link"));
        Assert.Single((await LatchkeyTestHost.ReadJsonAsync(response)).EnumerateArray());
    }

    [Theory]
    [InlineData("/v1/sessions?limit=0")]
    [InlineData("/v1/users?limit=201")]
    [InlineData("/v1/machine-users?limit=-1")]
    [InlineData("/v1/users?before=not-a-guid")]
    public async Task ALimitOutsideOneToTwoHundredOrABadCursorIsABadRequest(string path)
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var owner = await host.SignupAndLoginAsync();

        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Get, path, credential: owner), HttpStatusCode.BadRequest);
    }

    /// <summary>Follows <c>Link rel="next"</c> from <paramref name="path"/> to the end; asserts how many pages it took.</summary>
    private static async Task<List<Guid>> ReadAllAsync(LatchkeyTestHost host, string path, Credential credential, string idProperty, int pages)
    {
        var ids = new List<Guid>();
        string? next = path;
        var read = 0;
        while (next is not null)
        {
            var response = await host.SendAsync(HttpMethod.Get, next, credential: credential);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await LatchkeyTestHost.ReadJsonAsync(response);
            Assert.Equal(JsonValueKind.Array, body.ValueKind);
            ids.AddRange(body.EnumerateArray().Select(e => e.GetProperty(idProperty).GetGuid()));
            read++;
            next = response.Headers.TryGetValues("Link", out var links) ? NextOf(Assert.Single(links)) : null;
        }

        Assert.Equal(pages, read);
        return ids;
    }

    private static string NextOf(string link)
    {
        Assert.EndsWith(">; rel=\"next\"", link);
        return link[1..link.IndexOf('>', StringComparison.Ordinal)];
    }
}

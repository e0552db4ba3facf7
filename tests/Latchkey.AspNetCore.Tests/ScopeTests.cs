using System.Net;
using Latchkey.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization;

namespace Latchkey.AspNetCore.Tests;

// Note: /integrator/x and /integrator/y are the test host's own endpoints, protected as an integrator would protect
// theirs: .RequireScope("x") and .RequireAuthorization(p => p.RequireScope("y")).
public sealed class ScopeTests
{
    [Fact]
    public async Task AMachineUserWithTheScopePassesAScopeProtectedEndpoint()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var owner = await host.SignupAndLoginAsync();
        var (_, machine) = await host.CreateMachineUserAsync(owner, "bot", "x");

        var response = await host.SendAsync(HttpMethod.Get, "/integrator/x", credential: machine);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("x", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AMachineUserWithoutTheScopeGetsForbiddenWithAnInsufficientScopeChallenge()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var owner = await host.SignupAndLoginAsync();
        var (_, machine) = await host.CreateMachineUserAsync(owner, "bot", "x");

        var response = await host.SendAsync(HttpMethod.Get, "/integrator/y", credential: machine);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Equal("error=\"insufficient_scope\", scope=\"y\"", challenge.Parameter);
    }

    [Fact]
    public async Task APersonsSessionCarriesNoScopesSoAScopeProtectedEndpointIsForMachinesOnly()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var owner = await host.SignupAndLoginAsync();

        var response = await host.SendAsync(HttpMethod.Get, "/integrator/x", credential: owner);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal("error=\"insufficient_scope\", scope=\"x\"", Assert.Single(response.Headers.WwwAuthenticate).Parameter);
    }

    [Fact]
    public async Task AScopeProtectedEndpointAnswersAnAnonymousCallerWithABearerChallenge()
    {
        await using var host = await LatchkeyTestHost.StartAsync();

        var response = await host.SendAsync(HttpMethod.Get, "/integrator/x");

        await ProblemAssert.IsUnauthorizedAsync(response, credentialPresented: false);
    }

    [Fact]
    public async Task ARoleForbiddenRequestKeepsThePlainForbiddenAnswer()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        var owner = await host.SignupAndLoginAsync();
        var (_, machine) = await host.CreateMachineUserAsync(owner, "bot", "x");

        var response = await host.SendAsync(HttpMethod.Get, "/v1/users", credential: machine);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Empty(response.Headers.WwwAuthenticate);
    }

    [Theory]
    [InlineData("")]
    [InlineData("two words")]
    [InlineData("quote\"")]
    [InlineData("back\\slash")]
    [InlineData("tab\t")]
    public void RequireScopeRefusesWhatIsNotAScopeToken(string scope)
    {
        Assert.ThrowsAny<ArgumentException>(() => new AuthorizationPolicyBuilder().RequireScope(scope));
    }
}

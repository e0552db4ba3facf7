using System.Security.Claims;
using Latchkey.AspNetCore.Authentication;
using Latchkey.Core.Model;
using Latchkey.Core.Services;

namespace Latchkey.AspNetCore.Tests;

/// <summary>The principal a host application sees: its claims are made on first read, and every way of reading them finds them.</summary>
public sealed class CallerPrincipalTests
{
    private static readonly AuthenticatedCaller Machine = new(Guid.NewGuid(), Guid.NewGuid(), "ci-bot", UserKind.Machine,
        TenantRole.Member, "reports:read reports:write", null, null);

    private static readonly AuthenticatedCaller Person = new(Guid.NewGuid(), Guid.NewGuid(), "alice@example.com", UserKind.Human,
        TenantRole.Admin, "", Guid.NewGuid(), "app-instance-1");

    [Fact]
    public void ThePrincipalAnswersNameRoleAndEveryClaimOfAPerson()
    {
        var principal = CallerPrincipal.ToPrincipal(Person, "Latchkey");

        Assert.True(principal.Identity!.IsAuthenticated);
        Assert.Equal("alice@example.com", principal.Identity.Name);
        Assert.True(principal.IsInRole("admin"));
        Assert.False(principal.IsInRole("owner"));
        Assert.Equal(Person.UserId.ToString(), principal.FindFirstValue(LatchkeyClaimTypes.UserId));
        Assert.Equal(Person.TenantId.ToString(), principal.FindFirstValue(LatchkeyClaimTypes.TenantId));
        Assert.Equal(Person.SessionId.ToString(), principal.FindFirstValue(LatchkeyClaimTypes.SessionId));
        Assert.Equal("app-instance-1", principal.FindFirstValue(LatchkeyClaimTypes.AppId));
        Assert.Equal("human", principal.FindFirstValue(LatchkeyClaimTypes.Kind));
        Assert.Equal(7, principal.Claims.Count());
    }

    [Fact]
    public void AMachinePrincipalHasOneScopeClaimPerScopeAndNoSession()
    {
        var principal = CallerPrincipal.ToPrincipal(Machine, "Latchkey");

        Assert.Equal(["reports:read", "reports:write"], principal.FindAll(LatchkeyClaimTypes.Scope).Select(c => c.Value));
        Assert.True(principal.HasClaim(LatchkeyClaimTypes.Kind, "machine"));
        Assert.Null(principal.FindFirst(LatchkeyClaimTypes.SessionId));
    }

    [Fact]
    public void AClaimAHostAddsIsKeptBesideLatchkeysAndACloneCarriesThemAll()
    {
        var identity = (ClaimsIdentity)CallerPrincipal.ToPrincipal(Person, "Latchkey").Identity!;

        identity.AddClaim(new Claim("department", "sales"));
        var clone = identity.Clone();

        Assert.Equal("sales", identity.FindFirst("department")?.Value);
        Assert.Equal(8, identity.Claims.Count());
        Assert.Equal(8, clone.Claims.Count());
        Assert.Equal("alice@example.com", clone.Name);
        Assert.Equal(Person, CallerPrincipal.ToCaller(new ClaimsPrincipal(clone)));
    }
}

using System.Security.Claims;
using BenchmarkDotNet.Attributes;
using Latchkey.AspNetCore;
using Latchkey.AspNetCore.Authentication;
using Latchkey.Core.Model;
using Latchkey.Core.Services;

namespace Latchkey.Benchmarks;

/// <summary>
/// The rest of an authenticated request's own work: the handler turns the caller into claims. Reading the caller
/// back from claims is only the fallback for principals of other schemes (Latchkey's endpoints reuse the caller the
/// handler kept in the request's items); it is measured to show what that saves.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class CallerPrincipalBenchmarks
{
    private static readonly AuthenticatedCaller Caller = new(Guid.CreateVersion7(), Guid.CreateVersion7(), "owner@bench.example",
        UserKind.Human, TenantRole.Owner, "", Guid.CreateVersion7(), "bench-app-0000");

    private readonly ClaimsPrincipal _principal = CallerPrincipal.ToPrincipal(Caller, LatchkeyDefaults.AuthenticationScheme);

    [Benchmark]
    public ClaimsPrincipal ToPrincipal() => CallerPrincipal.ToPrincipal(Caller, LatchkeyDefaults.AuthenticationScheme);

    [Benchmark]
    public Guid ToCaller() => CallerPrincipal.ToCaller(_principal).UserId;
}

using System.Globalization;
using Latchkey.Core.Model;
using Latchkey.Core.Stores;
using Microsoft.Extensions.Options;

namespace Latchkey.Core.Services;

/// <summary>A setting of a PATCH: whether it was given, and its value (null: back to the server's).</summary>
internal readonly record struct Optional<T>(bool Given, T Value)
{
    public static Optional<T> Of(T value) => new(true, value);
}

/// <summary>The settings a change of the tenant's policy gives; those not given stay as they are.</summary>
internal sealed record TenantPolicyChange
{
    public Optional<long?> SessionAbsoluteLifetimeSeconds { get; init; }

    public Optional<long?> SessionIdleTimeoutSeconds { get; init; }

    public Optional<int?> MaxAppInstancesPerPerson { get; init; }

    public Optional<long?> MachineTokenMaxLifetimeSeconds { get; init; }

    public Optional<IReadOnlyList<string>?> MachineTokenScopes { get; init; }

    public Optional<int?> PasswordMinLength { get; init; }

    public Optional<IReadOnlyList<string?>> MfaRequiredFor { get; init; }
}

/// <summary>The server's bounds a tenant's policy must stay within (a tenant may only be stricter).</summary>
internal sealed record TenantPolicyBounds(
    long SessionAbsoluteLifetimeSeconds, long SessionIdleTimeoutSeconds, long MinSessionIdleTimeoutSeconds, int MaxAppInstancesPerPerson,
    long MachineTokenMaxLifetimeSeconds, int PasswordMinLength, int PasswordMaxLength);

/// <summary>
/// A tenant's own rules (<see cref="TenantPolicy"/>): read by its owners, changed by them (audited), never looser than
/// the server's. A stricter session rule ends the sessions it rules out at once, with reason <c>tenant_policy</c>, and
/// every instance drops the tenant's cached credentials through the change feed; the other rules hold from the next
/// machine token, password or login they govern.
/// </summary>
internal sealed class TenantPolicyService(
    ITenantPolicyStore policies,
    ISessionStore sessions,
    IUnitOfWork work,
    AuditLog audit,
    TenantService tenants,
    TimeProvider time,
    IOptions<LatchkeySessionOptions> sessionOptions,
    IOptions<LatchkeyPasswordOptions> passwordOptions)
{
    /// <summary>The shortest lifetime or timeout a tenant may set: a minute.</summary>
    public const long MinSeconds = 60;

    public TenantPolicyBounds Bounds
    {
        get
        {
            var server = sessionOptions.Value;
            var passwords = passwordOptions.Value;

            // Note: last use is recorded at most once per resolution, so an idle timeout much shorter than ten of them
            // would be measured too coarsely to mean what it says.
            var minIdle = Math.Max(MinSeconds, (long)Math.Ceiling(server.EffectiveLastUsedResolution.TotalSeconds * 10));
            return new((long)server.AbsoluteLifetime.TotalSeconds, (long)server.IdleTimeout.TotalSeconds, minIdle, server.MaxPerUser,
                (long)MachineUserService.MaxTokenLifetime.TotalSeconds, passwords.MinLength, passwords.MaxLength);
        }
    }

    public Task<TenantPolicy> GetAsync(Guid tenantId, CancellationToken cancellationToken) => policies.FindAsync(tenantId, cancellationToken);

    /// <summary>The limits the tenant's sessions live under: the server's, or the policy's where stricter.</summary>
    public SessionLimits LimitsOf(TenantPolicy policy) => LimitsOf(sessionOptions.Value, policy);

    /// <summary>The limits under <paramref name="server"/>'s options and the tenant's <paramref name="policy"/>.</summary>
    public static SessionLimits LimitsOf(LatchkeySessionOptions server, TenantPolicy policy)
    {
        return new(
            Min(server.AbsoluteLifetime, policy.SessionAbsoluteLifetime),
            Min(server.IdleTimeout, policy.SessionIdleTimeout),
            Math.Min(server.MaxPerUser, policy.MaxSessionsPerUser ?? int.MaxValue));

        static TimeSpan Min(TimeSpan server, TimeSpan? tenant) => tenant is { } t && t < server ? t : server;
    }

    /// <summary>
    /// Applies <paramref name="change"/> (owners only); returns the policy now in force, or the first setting refused
    /// and why, or Forbidden.
    /// </summary>
    public async Task<(TenantPolicy? Policy, InputError? Error, bool Forbidden)> UpdateAsync(
        AuthenticatedCaller caller, TenantPolicyChange change, CancellationToken cancellationToken)
    {
        if (caller.Role != TenantRole.Owner)
        {
            return (null, null, true);
        }

        var current = await policies.FindAsync(caller.TenantId, cancellationToken);
        var (next, error) = Apply(current, change);
        if (error is not null)
        {
            return (null, error, false);
        }

        if (change.MfaRequiredFor.Given)
        {
            var mfa = await tenants.SetMfaPolicyAsync(caller, change.MfaRequiredFor.Value, cancellationToken);
            if (mfa.Error is not null || mfa.Forbidden)
            {
                return (null, mfa.Error, mfa.Forbidden);
            }
        }

        var changed = Describe(current, next);
        if (changed.Count == 0)
        {
            return (current, null, false);
        }

        var now = time.GetUtcNow();
        next.UpdatedAt = now;
        await using var transaction = await work.BeginAsync(cancellationToken);
        await policies.SetAsync(next, cancellationToken);
        var before = LimitsOf(current);
        var after = LimitsOf(next);
        var ended = 0;
        if (before != after)
        {
            ended = await sessions.EndBeyondLimitsAsync(caller.TenantId, before, after, now, cancellationToken);
        }

        var detail = string.Join("; ", changed) + (ended > 0 ? $"; {ended} sessions ended" : "");
        await audit.RecordAsync(caller, AuditEvents.TenantPolicyChanged, null, detail, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (next, null, false);
    }

    private (TenantPolicy Next, InputError? Error) Apply(TenantPolicy current, TenantPolicyChange change)
    {
        var bounds = Bounds;
        var next = current.Copy();
        if (change.SessionAbsoluteLifetimeSeconds is { Given: true, Value: var absolute })
        {
            if (absolute is { } a && (a < MinSeconds || a > bounds.SessionAbsoluteLifetimeSeconds))
            {
                return (next, OutOfRange("sessionAbsoluteLifetimeSeconds", MinSeconds, bounds.SessionAbsoluteLifetimeSeconds, "the server's absolute lifetime"));
            }

            next.SessionAbsoluteLifetimeSeconds = absolute;
        }

        if (change.SessionIdleTimeoutSeconds is { Given: true, Value: var idle })
        {
            if (idle is { } i && (i < bounds.MinSessionIdleTimeoutSeconds || i > bounds.SessionIdleTimeoutSeconds))
            {
                return (next, OutOfRange("sessionIdleTimeoutSeconds", bounds.MinSessionIdleTimeoutSeconds, bounds.SessionIdleTimeoutSeconds, "the server's idle timeout"));
            }

            next.SessionIdleTimeoutSeconds = idle;
        }

        if (change.MaxAppInstancesPerPerson is { Given: true, Value: var instances })
        {
            if (instances is { } n && (n < 1 || n > bounds.MaxAppInstancesPerPerson))
            {
                return (next, OutOfRange("maxAppInstancesPerPerson", 1, bounds.MaxAppInstancesPerPerson, "the server's bound"));
            }

            next.MaxSessionsPerUser = instances;
        }

        if (change.MachineTokenMaxLifetimeSeconds is { Given: true, Value: var lifetime })
        {
            if (lifetime is { } l && (l < MinSeconds || l > bounds.MachineTokenMaxLifetimeSeconds))
            {
                return (next, OutOfRange("machineTokenMaxLifetimeSeconds", MinSeconds, bounds.MachineTokenMaxLifetimeSeconds, "10 years"));
            }

            next.MachineTokenMaxLifetimeSeconds = lifetime;
        }

        if (change.MachineTokenScopes is { Given: true, Value: var scopes })
        {
            if (scopes is not null && MachineUserService.CheckScopes(scopes, "machineTokenScopes") is { } scopeError)
            {
                return (next, scopeError);
            }

            next.MachineTokenScopes = scopes is null ? null : string.Join(' ', scopes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
        }

        if (change.PasswordMinLength is { Given: true, Value: var minLength })
        {
            if (minLength is { } m && (m < bounds.PasswordMinLength || m > bounds.PasswordMaxLength))
            {
                return (next, new("passwordMinLength",
                    $"passwordMinLength must be {bounds.PasswordMinLength} (the server's minimum) to {bounds.PasswordMaxLength} (the server's maximum length)."));
            }

            // Note: the server's own minimum is no rule of the tenant's; storing it would only hide a later rise.
            next.PasswordMinLength = minLength == bounds.PasswordMinLength ? null : minLength;
        }

        return (next, null);
    }

    private static InputError OutOfRange(string field, long min, long max, string maxName) =>
        new(field, $"{field} must be {min} to {max} ({maxName}), or null for the server's.");

    /// <summary>Each setting that changes, as "name: old -> new" (none of them is personal or secret).</summary>
    private static List<string> Describe(TenantPolicy current, TenantPolicy next)
    {
        var changed = new List<string>();
        Add("sessionAbsoluteLifetimeSeconds", current.SessionAbsoluteLifetimeSeconds, next.SessionAbsoluteLifetimeSeconds);
        Add("sessionIdleTimeoutSeconds", current.SessionIdleTimeoutSeconds, next.SessionIdleTimeoutSeconds);
        Add("maxAppInstancesPerPerson", current.MaxSessionsPerUser, next.MaxSessionsPerUser);
        Add("machineTokenMaxLifetimeSeconds", current.MachineTokenMaxLifetimeSeconds, next.MachineTokenMaxLifetimeSeconds);
        if (current.MachineTokenScopes != next.MachineTokenScopes)
        {
            changed.Add($"machineTokenScopes: [{current.MachineTokenScopes ?? "any"}] -> [{next.MachineTokenScopes ?? "any"}]");
        }

        Add("passwordMinLength", current.PasswordMinLength, next.PasswordMinLength);
        return changed;

        void Add(string name, long? before, long? after)
        {
            if (before != after)
            {
                changed.Add($"{name}: {Show(before)} -> {Show(after)}");
            }
        }

        static string Show(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "server's";
    }
}

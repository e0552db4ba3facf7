using Latchkey.Core.Model;

namespace Latchkey.Core.Services;

/// <summary>An expected failure of a request: what was wrong (the field) and a message fit for the client.</summary>
internal sealed record InputError(string Field, string Message);

internal enum SignupOutcome
{
    Created,
    RegistrationClosed,
    Invalid,
    LoginTaken,
}

internal sealed record SignupResult(SignupOutcome Outcome, Guid TenantId = default, Guid UserId = default, InputError? Error = null);

internal enum LoginOutcome
{
    Succeeded,
    Invalid,

    /// <summary>Any bad credential: unknown login, wrong password, disabled user, locked login. One answer for all.</summary>
    Refused,

    /// <summary>The login is in its delay after repeated failures: not verified, not counted.</summary>
    Throttled,

    /// <summary>The password was right and the person has a second factor: no session yet, an mfaToken instead.</summary>
    MfaRequired,
}

internal sealed record LoginResult(
    LoginOutcome Outcome,
    AppSession? Session = null,
    string? ApiKey = null,
    InputError? Error = null,
    TimeSpan RetryAfter = default,
    LoginRefusal Refusal = LoginRefusal.None,
    Guid? UserId = null,
    string? MfaToken = null,
    DateTimeOffset? MfaExpiresAt = null,
    IReadOnlyList<string>? MfaMethods = null);

/// <summary>Why a login was refused: kept server-side (logs, audit), never told to the client.</summary>
internal enum LoginRefusal
{
    None,
    UnknownLogin,
    WrongPassword,
    Disabled,
    Locked,

    /// <summary>The second step of a login: a wrong, used or expired mfaToken or code.</summary>
    WrongSecondFactor,
}

internal enum PasswordChangeOutcome
{
    Changed,
    Invalid,
    WrongCurrentPassword,

    /// <summary>The login is in its delay after repeated failures: not verified, not counted.</summary>
    Throttled,
}

internal sealed record PasswordChangeResult(PasswordChangeOutcome Outcome, InputError? Error = null, TimeSpan RetryAfter = default)
{
    public static PasswordChangeResult WrongCurrentPassword { get; } =
        new(PasswordChangeOutcome.WrongCurrentPassword, new InputError("currentPassword", "The current password is wrong."));
}

internal sealed record MachineUserCreated(User User, string Token);

/// <summary>A machine token's expiry as asked for: an instant, or seconds from now (not both); neither: none.</summary>
internal readonly record struct TokenExpiry(DateTimeOffset? ExpiresAt, long? ExpiresIn);

/// <summary>A rotated machine token, its expiry and the end of the previous token's grace; or why it was refused.</summary>
internal sealed record MachineTokenRotation(string? Token, DateTimeOffset? ExpiresAt, DateTimeOffset? GraceEndsAt, InputError? Error);

/// <summary>What an owner's or admin's change to a human user came to.</summary>
internal enum UserAdminOutcome
{
    Done,
    Invalid,

    /// <summary>No such human user in the caller's tenant (another tenant's user, a machine user, nobody).</summary>
    NotFound,

    /// <summary>The caller's role does not allow it: an admin acting on an owner, or granting a role above its own.</summary>
    Forbidden,

    /// <summary>The tenant would be left without an enabled owner.</summary>
    LastOwner,

    /// <summary>The user's role or state changed while the request was handled (by another owner or admin).</summary>
    Conflict,

    LoginTaken,

    /// <summary>The person has no verified e-mail address to send a message to (or is disabled).</summary>
    NoVerifiedEmail,
}

internal sealed record UserAdminResult(UserAdminOutcome Outcome, User? User = null, InputError? Error = null)
{
    public static implicit operator UserAdminResult(UserAdminOutcome outcome) => new(outcome);
}

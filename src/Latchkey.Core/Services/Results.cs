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
}

internal sealed record LoginResult(
    LoginOutcome Outcome,
    AppSession? Session = null,
    string? ApiKey = null,
    InputError? Error = null,
    TimeSpan RetryAfter = default,
    LoginRefusal Refusal = LoginRefusal.None,
    Guid? UserId = null);

/// <summary>Why a login was refused: kept server-side (logs, audit), never told to the client.</summary>
internal enum LoginRefusal
{
    None,
    UnknownLogin,
    WrongPassword,
    Disabled,
    Locked,
}

internal enum PasswordChangeOutcome
{
    Changed,
    Invalid,
    WrongCurrentPassword,
}

internal sealed record MachineUserCreated(User User, string Token);

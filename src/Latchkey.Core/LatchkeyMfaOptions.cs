namespace Latchkey.Core;

/// <summary>Second factors (<c>Latchkey:Mfa</c>).</summary>
public sealed class LatchkeyMfaOptions
{
    public const string Section = "Latchkey:Mfa";

    /// <summary>The issuer an authenticator app shows next to the login (the otpauth URI's label and issuer). Defaults to "Latchkey".</summary>
    public string Issuer { get; set; } = "Latchkey";
}

/// <summary>Step-up re-authentication before sensitive actions (<c>Latchkey:StepUp</c>).</summary>
public sealed class LatchkeyStepUpOptions
{
    public const string Section = "Latchkey:StepUp";

    /// <summary>
    /// How long after a person authenticated (login or re-authentication) a sensitive action is still allowed without
    /// authenticating again; the <c>max_age</c> of the RFC 9470 challenge. Defaults to 10 minutes.
    /// </summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(10);
}

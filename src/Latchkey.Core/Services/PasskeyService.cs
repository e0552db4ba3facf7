using System.Text.Json;
using Fido2NetLib;
using Fido2NetLib.Objects;
using Latchkey.Core.Credentials;
using Latchkey.Core.Model;
using Latchkey.Core.Stores;

namespace Latchkey.Core.Services;

internal enum PasskeyOutcome
{
    Done,
    Invalid,

    /// <summary>The answer did not verify: unknown or used ceremony, another app id, a bad signature, an unknown passkey.</summary>
    Refused,

    NotFound,

    /// <summary>The credential id is registered already.</summary>
    Conflict,

    /// <summary>No relying party: <c>Latchkey:PublicBaseUrl</c> is not set.</summary>
    Unavailable,
}

/// <summary>What a passkey step came to: a ceremony's options to hand to the browser, or the passkey it concerned.</summary>
internal sealed record PasskeyResult(
    PasskeyOutcome Outcome, InputError? Error = null, Guid CeremonyId = default, string? Options = null, Passkey? Passkey = null)
{
    public static implicit operator PasskeyResult(PasskeyOutcome outcome) => new(outcome);
}

/// <summary>A verified assertion: the passkey, its person, and how the session records it (<c>hwk</c> or <c>swk</c>).</summary>
internal sealed record VerifiedPasskey(Passkey Passkey, User User, string Amr);

/// <summary>
/// Passkeys (WebAuthn, through the Fido2 library): registering, listing and removing a person's passkeys, and the
/// assertion ceremonies of password-less sign-in, of a login's second step and of step-up. Every ceremony is stored
/// (<see cref="WebAuthnCeremony"/>), bound to its app instance, session or login, lives
/// <see cref="CeremonyLifetime"/>, and is taken by its first answer.
/// </summary>
internal sealed class PasskeyService(
    IPasskeyStore passkeys,
    ISecondFactorStore factors,
    IUserStore users,
    PasskeyRelyingParty relyingParty,
    SessionService sessions,
    IUnitOfWork work,
    AuditLog audit,
    Email.SecurityNotices notices,
    IRequestOrigin origin,
    TimeProvider time)
{
    /// <summary>How long a ceremony's options stay good; the browser is told a little less (its timeout).</summary>
    public static readonly TimeSpan CeremonyLifetime = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan BrowserTimeout = TimeSpan.FromMinutes(4);

    public const int MaxNameLength = 100;

    public const int MaxPasskeysPerPerson = 20;

    public const string RefusedMessage = "The passkey was not accepted.";

    /// <summary>The caller's passkeys, oldest first.</summary>
    public Task<IReadOnlyList<Passkey>> ListAsync(AuthenticatedCaller caller, CancellationToken cancellationToken) =>
        passkeys.ListAsync(caller.UserId, cancellationToken);

    /// <summary>Cross-tenant, for login: whether the person has a passkey.</summary>
    public Task<bool> HasPasskeyAsync(Guid userId, CancellationToken cancellationToken) => passkeys.AnyAsync(userId, cancellationToken);

    /// <summary>Registration options for the caller: a resident key with user verification, none of theirs again.</summary>
    public async Task<PasskeyResult> BeginRegistrationAsync(AuthenticatedCaller caller, CancellationToken cancellationToken)
    {
        if (relyingParty.Fido2 is not { } fido2)
        {
            return PasskeyOutcome.Unavailable;
        }

        var user = await users.FindAsync(caller.TenantId, caller.UserId, cancellationToken);
        if (user is null || caller.SessionId is null)
        {
            return PasskeyOutcome.NotFound;
        }

        var existing = await passkeys.ListAsync(user.Id, cancellationToken);
        if (existing.Count >= MaxPasskeysPerPerson)
        {
            return new(PasskeyOutcome.Invalid, new("passkey", $"At most {MaxPasskeysPerPerson} passkeys; remove one first."));
        }

        var options = fido2.RequestNewCredential(new RequestNewCredentialParams
        {
            // Note: the user handle is the user id: random, no personal data, and what a password-less assertion
            // names its person by (checked against the passkey's owner).
            User = new Fido2User { Id = user.Id.ToByteArray(), Name = user.Login, DisplayName = user.Login },
            ExcludeCredentials = existing.Select(Descriptor).ToList(),
            AuthenticatorSelection = new AuthenticatorSelection
            {
                ResidentKey = ResidentKeyRequirement.Required,
                UserVerification = UserVerificationRequirement.Required,
            },
            AttestationPreference = AttestationConveyancePreference.None,
            Extensions = new AuthenticationExtensionsClientInputs { CredProps = true },
        });
        options.Timeout = (ulong)BrowserTimeout.TotalMilliseconds;
        return await CreateCeremonyAsync(WebAuthnCeremonyKind.Registration, options.ToJson(), caller.AppId ?? "", null, user.Id,
            caller.SessionId, null, cancellationToken);
    }

    /// <summary>Verifies the authenticator's attestation for the caller's registration ceremony and stores the passkey.</summary>
    public async Task<PasskeyResult> CompleteRegistrationAsync(
        AuthenticatedCaller caller, Guid? ceremonyId, JsonElement? credential, string? name, string? deviceName, CancellationToken cancellationToken)
    {
        if (relyingParty.Fido2 is not { } fido2)
        {
            return PasskeyOutcome.Unavailable;
        }

        var cleanName = name is null ? null : TextInput.Clean(name, MaxNameLength);
        if (name is not null && cleanName is null)
        {
            return new(PasskeyOutcome.Invalid, new("name", $"A name of at most {MaxNameLength} printable characters."));
        }

        if (ceremonyId is not { } id || Parse<AuthenticatorAttestationRawResponse>(credential) is not { } response)
        {
            return new(PasskeyOutcome.Invalid, new("credential", "ceremonyId and credential (the browser's PublicKeyCredential as JSON) are required."));
        }

        var ceremony = await passkeys.TakeCeremonyAsync(id, time.GetUtcNow(), cancellationToken);
        if (ceremony is not { Kind: WebAuthnCeremonyKind.Registration } || ceremony.UserId != caller.UserId || ceremony.SessionId != caller.SessionId)
        {
            return Refused("unknown, used or expired registration ceremony");
        }

        if (await passkeys.FindByCredentialIdAsync(response.RawId ?? [], cancellationToken) is not null)
        {
            return new(PasskeyOutcome.Conflict, new("credential", "This passkey is registered already."));
        }

        RegisteredPublicKeyCredential registered;
        try
        {
            registered = await fido2.MakeNewCredentialAsync(new MakeNewCredentialParams
            {
                AttestationResponse = response,
                OriginalOptions = CredentialCreateOptions.FromJson(ceremony.Options),

                // Note: looked up above, outside the library: a storage failure in here would read as a bad answer.
                IsCredentialIdUniqueToUserCallback = (_, _) => Task.FromResult(true),
            }, cancellationToken);
        }
        catch (Exception exception) when (IsBadAnswer(exception))
        {
            return Refused(exception.Message);
        }

        var now = time.GetUtcNow();
        var passkey = new Passkey
        {
            Id = Guid.CreateVersion7(now),
            UserId = caller.UserId,
            TenantId = caller.TenantId,
            CredentialId = registered.Id,
            PublicKey = registered.PublicKey,
            SignCount = registered.SignCount,
            BackupEligible = registered.IsBackupEligible,
            BackedUp = registered.IsBackedUp,
            Aaguid = registered.AaGuid,
            Transports = registered.Transports is { Length: > 0 } transports
                ? string.Join(',', transports.Select(t => t.ToString())) : null,
            Name = cleanName ?? deviceName ?? "Passkey",
            CreatedAt = now,
        };
        await using var transaction = await work.BeginAsync(cancellationToken);
        if (!await passkeys.AddAsync(passkey, cancellationToken))
        {
            return new(PasskeyOutcome.Conflict, new("credential", "This passkey is registered already."));
        }

        await audit.RecordAsync(caller, AuditEvents.MfaPasskeyRegistered, caller.UserId, $"passkey {passkey.Id}", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new(PasskeyOutcome.Done, Passkey: passkey);

        PasskeyResult Refused(string reason)
        {
            audit.RecordLater(audit.Create(caller, AuditEvents.MfaPasskeyRefused, caller.UserId, Reason(reason)));
            return new(PasskeyOutcome.Refused, new("credential", RefusedMessage));
        }
    }

    public async Task<PasskeyResult> RemoveAsync(AuthenticatedCaller caller, Guid passkeyId, CancellationToken cancellationToken)
    {
        await using var transaction = await work.BeginAsync(cancellationToken);
        if (!await passkeys.RemoveAsync(caller.UserId, passkeyId, cancellationToken))
        {
            return new(PasskeyOutcome.NotFound, new("passkey", "No such passkey."));
        }

        await audit.RecordAsync(caller, AuditEvents.MfaPasskeyRemoved, caller.UserId, $"passkey {passkeyId}", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return PasskeyOutcome.Done;
    }

    /// <summary>
    /// Assertion options: for a password-less sign-in (no person: any discoverable passkey of this RP), or for a known
    /// person (a login's second step, step-up: their passkeys only). User verification is required either way.
    /// </summary>
    public async Task<PasskeyResult> BeginAssertionAsync(
        WebAuthnCeremonyKind kind, string appId, string? appName, Guid? userId, Guid? sessionId, Guid? mfaChallengeId,
        CancellationToken cancellationToken)
    {
        if (relyingParty.Fido2 is not { } fido2)
        {
            return PasskeyOutcome.Unavailable;
        }

        List<PublicKeyCredentialDescriptor> allowed = [];
        if (userId is { } id)
        {
            allowed = (await passkeys.ListAsync(id, cancellationToken)).Select(Descriptor).ToList();
            if (allowed.Count == 0)
            {
                return new(PasskeyOutcome.NotFound, new("passkey", "No passkey is registered."));
            }
        }

        var options = fido2.GetAssertionOptions(new GetAssertionOptionsParams
        {
            AllowedCredentials = allowed,
            UserVerification = UserVerificationRequirement.Required,
        });
        options.Timeout = (ulong)BrowserTimeout.TotalMilliseconds;
        return await CreateCeremonyAsync(kind, options.ToJson(), appId, appName, userId, sessionId, mfaChallengeId, cancellationToken);
    }

    /// <summary>
    /// Takes the ceremony and verifies the assertion against it: of this kind, for this app instance, by a passkey of
    /// the expected person (or, password-less, of the person its user handle names), with user verification, a
    /// signature of the stored key, a counter that moved on, and an unchanged backup eligibility. The counter, the
    /// backup state and the time of use are stored. Null, audited, for anything else.
    /// </summary>
    public async Task<(VerifiedPasskey? Verified, WebAuthnCeremony? Ceremony)> VerifyAssertionAsync(
        WebAuthnCeremonyKind kind, Guid? ceremonyId, string? appId, JsonElement? credential, CancellationToken cancellationToken)
    {
        if (relyingParty.Fido2 is not { } fido2 || ceremonyId is not { } id || Parse<AuthenticatorAssertionRawResponse>(credential) is not { } response)
        {
            return (null, null);
        }

        var now = time.GetUtcNow();
        var ceremony = await passkeys.TakeCeremonyAsync(id, now, cancellationToken);
        if (ceremony is null || ceremony.Kind != kind || !string.Equals(ceremony.AppId, appId, StringComparison.Ordinal))
        {
            return (null, null);
        }

        var passkey = response.RawId is { Length: > 0 } rawId ? await passkeys.FindByCredentialIdAsync(rawId, cancellationToken) : null;
        var user = passkey is null ? null : await factors.FindUserAsync(passkey.UserId, cancellationToken);
        if (passkey is null || user is not { Kind: UserKind.Human } || (ceremony.UserId is { } expected && expected != passkey.UserId))
        {
            RefuseLater(user, "unknown passkey or another person's", appId);
            return (null, ceremony);
        }

        if (user.Disabled)
        {
            RefuseLater(user, "disabled user", appId);
            return (null, ceremony);
        }

        VerifyAssertionResult result;
        try
        {
            // Note: WebAuthn §6.1.3: backup eligibility is fixed when a credential is made; one that changes is not
            // the credential registered. The library checks the BE and BS flags against policy only, so this is ours.
            if (AuthenticatorAssertionResponse.Parse(response).AuthenticatorData.IsBackupEligible != passkey.BackupEligible)
            {
                RefuseLater(user, "backup eligibility changed", appId);
                return (null, ceremony);
            }

            var ownerHandle = passkey.UserId.ToByteArray();
            result = await fido2.MakeAssertionAsync(new MakeAssertionParams
            {
                AssertionResponse = response,
                OriginalOptions = AssertionOptions.FromJson(ceremony.Options),
                StoredPublicKey = passkey.PublicKey,
                StoredSignatureCounter = (uint)passkey.SignCount,
                IsUserHandleOwnerOfCredentialIdCallback = (args, _) =>
                    Task.FromResult(args.UserHandle.AsSpan().SequenceEqual(ownerHandle) && args.CredentialId.AsSpan().SequenceEqual(passkey.CredentialId)),
            }, cancellationToken);
        }
        catch (Exception exception) when (IsBadAnswer(exception))
        {
            // Note: a counter that did not move on (a cloned authenticator, WebAuthn §6.1.1) ends here too.
            RefuseLater(user, Reason(exception.Message), appId);
            return (null, ceremony);
        }

        if (!await passkeys.RecordUseAsync(passkey.Id, passkey.SignCount, result.SignCount, result.IsBackedUp, now, cancellationToken))
        {
            RefuseLater(user, "counter moved by another assertion", appId);
            return (null, ceremony);
        }

        var amr = passkey.BackupEligible ? AuthenticationMethods.SoftwareKey : AuthenticationMethods.HardwareKey;
        return (new VerifiedPasskey(passkey, user, amr), ceremony);
    }

    /// <summary>A password-less sign-in: a verified discoverable passkey opens a session for the ceremony's app instance.</summary>
    public async Task<LoginResult> SignInAsync(Guid? ceremonyId, string? appId, JsonElement? credential, CancellationToken cancellationToken)
    {
        if (appId is null || !AppIdFormat.IsValid(appId))
        {
            return new(LoginOutcome.Invalid, Error: new("appId", $"appId must be {AppIdFormat.MinLength} to {AppIdFormat.MaxLength} characters of [A-Za-z0-9._~-]."));
        }

        var (verified, ceremony) = await VerifyAssertionAsync(WebAuthnCeremonyKind.SignIn, ceremonyId, appId, credential, cancellationToken);
        if (verified is null || ceremony is null)
        {
            return new(LoginOutcome.Refused, Refusal: LoginRefusal.WrongSecondFactor);
        }

        var user = verified.User;
        await using var transaction = await work.BeginAsync(cancellationToken);
        await notices.NewDeviceAsync(user, appId, ceremony.AppName, origin.IpAddress, cancellationToken);
        var (session, apiKey) = await sessions.OpenAsync(user, appId, ceremony.AppName, verified.Amr, enrolmentOnly: false, cancellationToken);
        await audit.RecordAsync(
        [
            audit.Create(AuditEvents.LoginSucceeded, user.TenantId, user.Id, user.Id, $"passkey {verified.Passkey.Id}", appId),
            audit.Create(AuditEvents.SessionCreated, user.TenantId, user.Id, user.Id, $"session {session.Id}", appId),
        ], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        notices.Wake();
        return new(LoginOutcome.Succeeded, session, apiKey, UserId: user.Id);
    }

    private async Task<PasskeyResult> CreateCeremonyAsync(
        WebAuthnCeremonyKind kind, string options, string appId, string? appName, Guid? userId, Guid? sessionId, Guid? mfaChallengeId,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var ceremony = new WebAuthnCeremony
        {
            Id = Guid.NewGuid(),
            Kind = kind,
            UserId = userId,
            AppId = appId,
            AppName = appName,
            SessionId = sessionId,
            MfaChallengeId = mfaChallengeId,
            Options = options,
            CreatedAt = now,
            ExpiresAt = now + CeremonyLifetime,
        };
        await passkeys.CreateCeremonyAsync(ceremony, cancellationToken);
        return new(PasskeyOutcome.Done, CeremonyId: ceremony.Id, Options: options);
    }

    private void RefuseLater(User? user, string reason, string? appId)
    {
        if (user is not null)
        {
            audit.RecordLater(audit.Create(AuditEvents.MfaPasskeyRefused, user.TenantId, null, user.Id, reason, appId));
        }
    }

    private static PublicKeyCredentialDescriptor Descriptor(Passkey passkey) =>
        new(PublicKeyCredentialType.PublicKey, passkey.CredentialId, Transports(passkey.Transports));

    private static AuthenticatorTransport[]? Transports(string? stored) =>
        stored is null ? null
            : stored.Split(',').Select(t => Enum.TryParse<AuthenticatorTransport>(t, out var transport) ? transport : (AuthenticatorTransport?)null)
                .OfType<AuthenticatorTransport>().ToArray();

    /// <summary>The browser's credential JSON as the library's type; null when it is not one.</summary>
    private static T? Parse<T>(JsonElement? json) where T : class
    {
        if (json is not { ValueKind: JsonValueKind.Object } element)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<T>(element.GetRawText());
        }
        catch (Exception exception) when (exception is JsonException or FormatException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// What the library throws on a malformed or unverifiable answer (its verification exception, and CBOR, format and
    /// argument errors from parsing garbage): a refusal, never a 500. No storage is touched inside its calls.
    /// </summary>
    private static bool IsBadAnswer(Exception exception) => exception is not (OperationCanceledException or OutOfMemoryException);

    // Note: the library's messages name what failed (e.g. "SignCount must be greater than..."), never a secret.
    private static string Reason(string message) => message.Length <= 200 ? message : message[..200];
}

namespace Latchkey.Core.Model;

/// <summary>
/// Authentication data only: one credential shape (login + secret verifier) for humans and machines alike.
/// </summary>
internal sealed class User
{
    public Guid Id { get; set; }

    public Guid TenantId { get; set; }

    public UserKind Kind { get; set; }

    /// <summary>The normalised login; for a machine user, the public part of its token.</summary>
    public required string Login { get; set; }

    /// <summary>A display name; machine users are known by it in the admin API.</summary>
    public string? Name { get; set; }

    /// <summary>A self-describing verifier: an Argon2id PHC string for a password, <c>$sha256$...</c> for a generated secret.</summary>
    public required string SecretVerifier { get; set; }

    public TenantRole Role { get; set; }

    /// <summary>Space-separated scopes of a machine user; empty for humans.</summary>
    public string Scopes { get; set; } = "";

    public bool Disabled { get; set; }

    /// <summary>
    /// Bumped by every credential change (password change, token rotation, disabling) in the same statement as the
    /// change; a session issued under an older version is refused (ASP.NET Core Identity's security stamp, made exact).
    /// </summary>
    public int CredentialVersion { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }

    /// <summary>A person's latest sign-in (a session opened); null: none since this was first recorded.</summary>
    public DateTimeOffset? LastSignInAt { get; set; }

    /// <summary>When a machine user's current token was issued by a rotation; null: the one issued at creation.</summary>
    public DateTimeOffset? TokenIssuedAt { get; set; }

    /// <summary>A machine user's token expiry (null: none); the token is refused with reason <c>expired</c> from then.</summary>
    public DateTimeOffset? TokenExpiresAt { get; set; }

    /// <summary>
    /// A machine user's previous token during its grace period after a rotation (at most one): its verifier, when it
    /// was replaced, and until when it still works (with <c>Deprecation</c> and <c>Sunset</c> headers).
    /// </summary>
    public string? PreviousSecretVerifier { get; set; }

    public DateTimeOffset? PreviousSecretSince { get; set; }

    public DateTimeOffset? PreviousSecretUntil { get; set; }

    /// <summary>
    /// A person's e-mail address for notices and password reset, apart from the login (null: none). The domain is
    /// lower-cased (<see cref="Email.EmailAddress"/>).
    /// </summary>
    public string? Email { get; set; }

    /// <summary>Whether the owner of <see cref="Email"/> opened its verification link; only a verified address is mailed.</summary>
    public bool EmailVerified { get; set; }

    /// <summary>
    /// The person's password was set by an admin and they have not yet chosen their own: until they do, their sessions
    /// reach only who-am-I, the password change and signing out. Cleared by their own password change or a completed
    /// reset by e-mail, in the same statement as the new verifier.
    /// </summary>
    public bool MustChangePassword { get; set; }
}

internal enum UserKind
{
    Human = 0,
    Machine = 1,
}

internal enum TenantRole
{
    Member = 0,
    Admin = 1,
    Owner = 2,
}

using Latchkey.Core.Model;

namespace Latchkey.Core.Services;

/// <summary>
/// Who a request comes from, as established by <see cref="CredentialValidator"/>; or, with <see cref="Operator"/>
/// set, an operator acting on the database directly (the <c>latchkey</c> command-line tool).
/// <paramref name="EnrolmentOnly"/>: the session may only enrol a second factor (the tenant's MFA policy).
/// <paramref name="MustChangePassword"/>: the person's password was set by an admin; until they choose their own, the
/// session may only see who it is, change the password and sign out.
/// <paramref name="Amr"/>, <paramref name="AuthTime"/>: how and when the person last authenticated in the session.
/// <paramref name="IssuedAt"/>, <paramref name="ExpiresAt"/>: when the credential was issued and its absolute expiry,
/// where known (an app session's; a machine token has no expiry), for introspection and the JWTs exchanged for it.
/// </summary>
internal sealed record AuthenticatedCaller(
    Guid UserId,
    Guid TenantId,
    string Login,
    UserKind Kind,
    TenantRole Role,
    string Scopes,
    Guid? SessionId,
    string? AppId,
    string? Operator = null,
    bool EnrolmentOnly = false,
    string? Amr = null,
    DateTimeOffset? AuthTime = null,
    DateTimeOffset? IssuedAt = null,
    DateTimeOffset? ExpiresAt = null,
    bool MustChangePassword = false)
{
    // Note: the ids as text are made once per caller, not per request: a cached caller serves many requests. They
    // follow from the ids, so they change nothing about the record's equality.
    public string UserIdText { get; } = UserId.ToString();

    public string TenantIdText { get; } = TenantId.ToString();

    public string? SessionIdText { get; } = SessionId?.ToString();

    /// <summary>
    /// An operator acting in <paramref name="tenantId"/> with an owner's rights, e.g. <c>cli:root@db1</c>. Note: an
    /// operator is no user of the tenant (its audit entries name no actor user, only the operator), and the rules that
    /// protect the tenant rather than a role still hold for it: the last enabled owner cannot be removed.
    /// </summary>
    public static AuthenticatedCaller ForOperator(Guid tenantId, string operatorName) =>
        new(Guid.Empty, tenantId, operatorName, UserKind.Human, TenantRole.Owner, "", null, null, operatorName);
}

using Latchkey.Core.Model;

namespace Latchkey.Core.Services;

/// <summary>Who a request comes from, as established by <see cref="CredentialValidator"/>.</summary>
internal sealed record AuthenticatedCaller(
    Guid UserId,
    Guid TenantId,
    string Login,
    UserKind Kind,
    TenantRole Role,
    string Scopes,
    Guid? SessionId,
    string? AppId);

using System.Text.Json.Serialization;

namespace Latchkey.Contracts;

// Note: these bodies follow the OAuth RFCs (7662, 6749 §5.1, 8414), whose members are snake_case, not the v1 API's
// camelCase; every member is named explicitly so that no serializer setting can rename one.

/// <summary>
/// <c>POST /v1/introspect</c>'s answer (RFC 7662 §2.2). Anything not active, or not visible to the caller, is exactly
/// <c>{"active": false}</c>: every other member is then null and left out.
/// </summary>
public sealed record IntrospectionResponse(
    [property: JsonPropertyName("active")] bool Active,
    [property: JsonPropertyName("sub"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Sub = null,
    [property: JsonPropertyName("tenant_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? TenantId = null,
    [property: JsonPropertyName("kind"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Kind = null,
    [property: JsonPropertyName("roles"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Roles = null,
    [property: JsonPropertyName("scope"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Scope = null,
    [property: JsonPropertyName("client_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ClientId = null,
    [property: JsonPropertyName("sid"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Sid = null,
    [property: JsonPropertyName("iat"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Iat = null,
    [property: JsonPropertyName("exp"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Exp = null,
    [property: JsonPropertyName("token_type"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? TokenType = null,
    [property: JsonPropertyName("amr"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Amr = null,
    [property: JsonPropertyName("auth_time"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? AuthTime = null)
{
    /// <summary>The one answer for every token that is not active or not the caller's to see.</summary>
    public static IntrospectionResponse Inactive { get; } = new(false);
}

/// <summary><c>POST /v1/token</c>: exchange the caller's credential for a short-lived JWT, optionally for one audience.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record JwtRequest([property: JsonPropertyName("aud")] string? Aud = null);

/// <summary><c>POST /v1/token</c>'s answer (RFC 6749 §5.1): a JWT access token (<c>typ: at+jwt</c>, RFC 9068).</summary>
public sealed record JwtResponse(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("token_type")] string TokenType,
    [property: JsonPropertyName("expires_in")] long ExpiresIn);

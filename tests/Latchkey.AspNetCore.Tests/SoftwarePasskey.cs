using System.Buffers.Binary;
using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Latchkey.AspNetCore.Tests;

/// <summary>
/// A passkey authenticator in the test, as a browser and platform authenticator would answer (WebAuthn §6.5, "none"
/// attestation, ES256): it signs what the server's options ask with its own P-256 key. Lets the HTTP tests run whole
/// ceremonies without a browser; the browser's own authenticator is tested in Latchkey.Web.Tests.
/// </summary>
internal sealed class SoftwarePasskey(string origin, bool backupEligible = false) : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public byte[] CredentialId { get; } = RandomNumberGenerator.GetBytes(32);

    /// <summary>The user handle the registration options gave (the password-less assertion names the person by it).</summary>
    public byte[]? UserHandle { get; private set; }

    /// <summary>The signature counter the next assertion carries; 0 means the authenticator keeps none.</summary>
    public uint SignCount { get; set; }

    /// <summary>The BE flag this authenticator reports; a test may flip it to play a different credential.</summary>
    public bool BackupEligible { get; set; } = backupEligible;

    public string Origin { get; set; } = origin;

    /// <summary>The answer to registration options (the <c>options</c> of POST /v1/me/mfa/passkeys/options).</summary>
    public JsonObject Register(JsonElement options)
    {
        var rpId = options.GetProperty("rp").GetProperty("id").GetString()!;
        UserHandle = FromBase64Url(options.GetProperty("user").GetProperty("id").GetString()!);
        var clientData = ClientData("webauthn.create", options.GetProperty("challenge").GetString()!);

        var parameters = _key.ExportParameters(false);
        var cose = new CborWriter(CborConformanceMode.Ctap2Canonical);
        cose.WriteStartMap(5);
        cose.WriteInt32(1); cose.WriteInt32(2);      // kty: EC2
        cose.WriteInt32(3); cose.WriteInt32(-7);     // alg: ES256
        cose.WriteInt32(-1); cose.WriteInt32(1);     // crv: P-256
        cose.WriteInt32(-2); cose.WriteByteString(parameters.Q.X!);
        cose.WriteInt32(-3); cose.WriteByteString(parameters.Q.Y!);
        cose.WriteEndMap();

        var attested = new List<byte>(AuthenticatorData(rpId, attested: true));
        attested.AddRange(new byte[16]); // AAGUID: none, as synced passkeys without attestation report
        attested.Add((byte)(CredentialId.Length >> 8));
        attested.Add((byte)CredentialId.Length);
        attested.AddRange(CredentialId);
        attested.AddRange(cose.Encode());

        var attestation = new CborWriter(CborConformanceMode.Ctap2Canonical);
        attestation.WriteStartMap(3);
        attestation.WriteTextString("fmt"); attestation.WriteTextString("none");
        attestation.WriteTextString("attStmt"); attestation.WriteStartMap(0); attestation.WriteEndMap();
        attestation.WriteTextString("authData"); attestation.WriteByteString(attested.ToArray());
        attestation.WriteEndMap();

        return new JsonObject
        {
            ["id"] = Base64Url(CredentialId),
            ["rawId"] = Base64Url(CredentialId),
            ["type"] = "public-key",
            ["response"] = new JsonObject
            {
                ["clientDataJSON"] = Base64Url(clientData),
                ["attestationObject"] = Base64Url(attestation.Encode()),
                ["transports"] = new JsonArray("internal"),
            },
            ["clientExtensionResults"] = new JsonObject(),
        };
    }

    /// <summary>The answer to assertion options; <paramref name="challenge"/> overrides the options' own (a wrong-challenge test).</summary>
    public JsonObject Assert(JsonElement options, string? challenge = null)
    {
        var rpId = options.GetProperty("rpId").GetString()!;
        var clientData = ClientData("webauthn.get", challenge ?? options.GetProperty("challenge").GetString()!);
        var authenticatorData = AuthenticatorData(rpId, attested: false);
        var signature = _key.SignData([.. authenticatorData, .. SHA256.HashData(clientData)], HashAlgorithmName.SHA256,
            DSASignatureFormat.Rfc3279DerSequence);
        return new JsonObject
        {
            ["id"] = Base64Url(CredentialId),
            ["rawId"] = Base64Url(CredentialId),
            ["type"] = "public-key",
            ["response"] = new JsonObject
            {
                ["clientDataJSON"] = Base64Url(clientData),
                ["authenticatorData"] = Base64Url(authenticatorData),
                ["signature"] = Base64Url(signature),
                ["userHandle"] = UserHandle is null ? null : Base64Url(UserHandle),
            },
            ["clientExtensionResults"] = new JsonObject(),
        };
    }

    public void Dispose() => _key.Dispose();

    private byte[] ClientData(string type, string challenge) =>
        Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { type, challenge, origin = Origin, crossOrigin = false }));

    private byte[] AuthenticatorData(string rpId, bool attested)
    {
        // Note: UP and UV always (the server requires user verification); BE and BS together for a synced passkey.
        byte flags = 0x01 | 0x04;
        if (BackupEligible)
        {
            flags |= 0x08 | 0x10;
        }

        if (attested)
        {
            flags |= 0x40;
        }

        var data = new byte[37];
        SHA256.HashData(Encoding.UTF8.GetBytes(rpId)).CopyTo(data, 0);
        data[32] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(33), SignCount);
        return data;
    }

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded + new string('=', (4 - padded.Length % 4) % 4));
    }
}

using System.Net;
using System.Text.Json;
using OtpNet;

namespace Latchkey.AspNetCore.Tests;

/// <summary>What the tests of second factors do as a person with an authenticator app would: codes from the secret.</summary>
internal static class SecondFactors
{
    /// <summary>The code an authenticator app shows at the host's (fake) time, <paramref name="offsetSeconds"/> away.</summary>
    public static string Code(LatchkeyTestHost host, string secret, int offsetSeconds = 0) =>
        new Totp(Base32Encoding.ToBytes(secret)).ComputeTotp(host.Time.GetUtcNow().UtcDateTime.AddSeconds(offsetSeconds));

    /// <summary>Enrols and confirms an authenticator for the credential's person; the secret and the recovery codes.</summary>
    public static async Task<(string Secret, List<string> RecoveryCodes)> EnrolAsync(
        LatchkeyTestHost host, Credential credential, string password = LatchkeyTestHost.Password)
    {
        var started = await host.SendAsync(HttpMethod.Post, "/v1/me/mfa/totp", new { password }, credential);
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        var secret = (await LatchkeyTestHost.ReadJsonAsync(started)).GetProperty("secret").GetString()!;
        var confirmed = await host.SendAsync(HttpMethod.Post, "/v1/me/mfa/totp/confirm", new { code = Code(host, secret) }, credential);
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        var codes = (await LatchkeyTestHost.ReadJsonAsync(confirmed)).GetProperty("recoveryCodes").EnumerateArray()
            .Select(c => c.GetString()!).ToList();

        // Note: the confirming code's step is used up; the next code a test computes is of a later step.
        host.Time.Advance(TimeSpan.FromSeconds(30));
        return (secret, codes);
    }

    /// <summary>The first step of a login for a person with a second factor: its mfaToken.</summary>
    public static async Task<string> MfaTokenAsync(LatchkeyTestHost host, string login, string appId)
    {
        var response = await host.SendAsync(HttpMethod.Post, "/v1/login", new { login, password = LatchkeyTestHost.Password, appId });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await LatchkeyTestHost.ReadJsonAsync(response);
        Assert.True(body.GetProperty("mfaRequired").GetBoolean());
        return body.GetProperty("mfaToken").GetString()!;
    }

    public static Task<HttpResponseMessage> SecondStepAsync(LatchkeyTestHost host, string mfaToken, string appId, string? code = null, string? recoveryCode = null) =>
        host.SendAsync(HttpMethod.Post, "/v1/login/mfa", new { mfaToken, appId, code, recoveryCode });

    /// <summary>Both steps of a login with the current code; the session's credential.</summary>
    public static async Task<Credential> LoginAsync(LatchkeyTestHost host, string login, string appId, string secret)
    {
        var token = await MfaTokenAsync(host, login, appId);
        var response = await SecondStepAsync(host, token, appId, Code(host, secret));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await LatchkeyTestHost.ReadJsonAsync(response);
        return new Credential(body.GetProperty("apiKey").GetString()!, appId, body.GetProperty("sessionId").GetGuid());
    }

    public static List<string> Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToList();
}

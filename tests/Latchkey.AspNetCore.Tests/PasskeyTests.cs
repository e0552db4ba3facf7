using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Latchkey.AspNetCore.Tests;

/// <summary>Passkeys over HTTP, with a software authenticator (<see cref="SoftwarePasskey"/>) answering the ceremonies.</summary>
public sealed class PasskeyTests
{
    private const string Alice = "alice@example.com";
    private const string Origin = "https://latchkey.test";

    private static readonly Dictionary<string, string?> Settings = new() { ["Latchkey:PublicBaseUrl"] = Origin + "/" };

    [Fact]
    public async Task APasskeyRegistersThenSignsInWithoutAPasswordBoundToTheAppIdOnce()
    {
        await using var host = await LatchkeyTestHost.StartAsync(Settings);
        var session = await host.SignupAndLoginAsync(Alice);
        using var passkey = new SoftwarePasskey(Origin);
        var registered = await RegisterAsync(host, session, passkey, "Laptop");
        Assert.Equal("Laptop", registered.GetProperty("name").GetString());
        Assert.False(registered.GetProperty("backedUp").GetBoolean());
        Assert.Equal(1, (await host.GetJsonAsync("/v1/me/mfa/passkeys", session)).GetArrayLength());
        Assert.Equal(1, (await host.GetJsonAsync("/v1/me/mfa", session)).GetProperty("passkeys").GetInt32());

        // Note: discoverable: the options name no credential; the passkey's user handle names the person.
        var (ceremony, options) = await OptionsAsync(host, "/v1/login/passkey/options", new { appId = "phone-app-01" });
        Assert.Empty(options.GetProperty("allowCredentials").EnumerateArray());
        Assert.Equal("required", options.GetProperty("userVerification").GetString());
        Assert.Equal("latchkey.test", options.GetProperty("rpId").GetString());
        passkey.SignCount = 1;
        var answer = passkey.Assert(options);

        // Note: bound to the app id of the options: another app instance cannot use the answer, and trying uses it up.
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Post, "/v1/login/passkey",
            new { ceremonyId = ceremony, appId = "another-app-01", credential = answer }), HttpStatusCode.Unauthorized);
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Post, "/v1/login/passkey",
            new { ceremonyId = ceremony, appId = "phone-app-01", credential = answer }), HttpStatusCode.Unauthorized);

        (ceremony, options) = await OptionsAsync(host, "/v1/login/passkey/options", new { appId = "phone-app-01" });
        passkey.SignCount = 2;
        answer = passkey.Assert(options);
        var signedIn = await host.SendAsync(HttpMethod.Post, "/v1/login/passkey", new { ceremonyId = ceremony, appId = "phone-app-01", credential = answer });
        Assert.Equal(HttpStatusCode.Created, signedIn.StatusCode);
        var body = await LatchkeyTestHost.ReadJsonAsync(signedIn);
        Assert.Equal(["sessionId", "apiKey", "appId", "expiresAt"], body.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal("phone-app-01", body.GetProperty("appId").GetString());
        var phone = new Credential(body.GetProperty("apiKey").GetString()!, "phone-app-01", body.GetProperty("sessionId").GetGuid());
        var me = await host.GetJsonAsync("/v1/me", phone);
        Assert.Equal(Alice, me.GetProperty("login").GetString());
        Assert.Equal(["hwk"], SecondFactors.Strings(me.GetProperty("amr")));

        // Note: the same answer again: the ceremony is used up.
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Post, "/v1/login/passkey",
            new { ceremonyId = ceremony, appId = "phone-app-01", credential = answer }), HttpStatusCode.Unauthorized);

        // Note: a counter that does not move on is a cloned authenticator (WebAuthn §6.1.1); so is a flipped BE flag.
        (ceremony, options) = await OptionsAsync(host, "/v1/login/passkey/options", new { appId = "phone-app-01" });
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Post, "/v1/login/passkey",
            new { ceremonyId = ceremony, appId = "phone-app-01", credential = passkey.Assert(options) }), HttpStatusCode.Unauthorized);
        passkey.SignCount = 3;
        passkey.BackupEligible = true;
        (ceremony, options) = await OptionsAsync(host, "/v1/login/passkey/options", new { appId = "phone-app-01" });
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Post, "/v1/login/passkey",
            new { ceremonyId = ceremony, appId = "phone-app-01", credential = passkey.Assert(options) }), HttpStatusCode.Unauthorized);

        // Note: removed, it signs nobody in (step-up needed to remove: the session is fresh).
        var id = registered.GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.NoContent, (await host.SendAsync(HttpMethod.Delete, $"/v1/me/mfa/passkeys/{id}", null, session)).StatusCode);
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Delete, $"/v1/me/mfa/passkeys/{id}", null, session), HttpStatusCode.NotFound);
        passkey.BackupEligible = false;
        passkey.SignCount = 4;
        (ceremony, options) = await OptionsAsync(host, "/v1/login/passkey/options", new { appId = "phone-app-01" });
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Post, "/v1/login/passkey",
            new { ceremonyId = ceremony, appId = "phone-app-01", credential = passkey.Assert(options) }), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task APasswordLoginOfAPersonWithAPasskeyAsksForItAsTheSecondFactorAndStepUpAcceptsIt()
    {
        await using var host = await LatchkeyTestHost.StartAsync(Settings);
        var session = await host.SignupAndLoginAsync(Alice);
        using var passkey = new SoftwarePasskey(Origin, backupEligible: true);
        Assert.True((await RegisterAsync(host, session, passkey)).GetProperty("backedUp").GetBoolean());

        var mfaToken = await SecondFactors.MfaTokenAsync(host, Alice, "laptop-app-01");
        var first = await host.SendAsync(HttpMethod.Post, "/v1/login", new { login = Alice, password = LatchkeyTestHost.Password, appId = "laptop-app-02" });
        Assert.Equal(["passkey"], SecondFactors.Strings((await LatchkeyTestHost.ReadJsonAsync(first)).GetProperty("methods")));

        // Note: the mfaToken's app id binds the options too.
        await ProblemAssert.IsProblemAsync(
            await host.SendAsync(HttpMethod.Post, "/v1/login/passkey/options", new { appId = "another-app-01", mfaToken }), HttpStatusCode.Unauthorized);
        var (ceremony, options) = await OptionsAsync(host, "/v1/login/passkey/options", new { appId = "laptop-app-01", mfaToken });
        Assert.Equal(SoftwarePasskey.Base64Url(passkey.CredentialId),
            Assert.Single(options.GetProperty("allowCredentials").EnumerateArray()).GetProperty("id").GetString());

        // Note: an answer for another challenge fails and counts against the mfaToken; a fresh ceremony then succeeds.
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Post, "/v1/login/mfa",
            new { mfaToken, appId = "laptop-app-01", ceremonyId = ceremony, passkey = passkey.Assert(options, challenge: "AAAAAAAAAAAAAAAAAAAAAA") }),
            HttpStatusCode.Unauthorized);
        (ceremony, options) = await OptionsAsync(host, "/v1/login/passkey/options", new { appId = "laptop-app-01", mfaToken });
        var second = await host.SendAsync(HttpMethod.Post, "/v1/login/mfa",
            new { mfaToken, appId = "laptop-app-01", ceremonyId = ceremony, passkey = passkey.Assert(options) });
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        var body = await LatchkeyTestHost.ReadJsonAsync(second);
        var laptop = new Credential(body.GetProperty("apiKey").GetString()!, "laptop-app-01", body.GetProperty("sessionId").GetGuid());
        Assert.Equal(["pwd", "swk"], SecondFactors.Strings((await host.GetJsonAsync("/v1/me", laptop)).GetProperty("amr")));

        // Note: step-up: an old sign-in must re-authenticate; a person with a passkey needs it besides the password.
        host.Time.Advance(TimeSpan.FromMinutes(11));
        var stale = await host.SendAsync(HttpMethod.Post, "/v1/me/mfa/passkeys/options", null, laptop);
        Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);
        Assert.Contains("insufficient_user_authentication", stale.Headers.WwwAuthenticate.ToString());
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Post, "/v1/sessions/current/reauthenticate",
            new { password = LatchkeyTestHost.Password }, laptop), HttpStatusCode.BadRequest);
        (ceremony, options) = await OptionsAsync(host, "/v1/sessions/current/reauthenticate/passkey-options", new { }, laptop);
        var reauthenticated = await host.SendAsync(HttpMethod.Post, "/v1/sessions/current/reauthenticate",
            new { password = LatchkeyTestHost.Password, ceremonyId = ceremony, passkey = passkey.Assert(options) }, laptop);
        Assert.Equal(HttpStatusCode.NoContent, reauthenticated.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Post, "/v1/me/mfa/passkeys/options", null, laptop)).StatusCode);
    }

    [Fact]
    public async Task GarbageWrongAndUnknownPasskeyAnswersAreProblemsNeverErrors()
    {
        await using var host = await LatchkeyTestHost.StartAsync(Settings);
        var session = await host.SignupAndLoginAsync(Alice);
        using var passkey = new SoftwarePasskey(Origin);
        JsonNode[] garbage =
        [
            new JsonObject(), new JsonObject { ["id"] = "x", ["rawId"] = "!!", ["type"] = "public-key" },
            new JsonObject { ["id"] = "AA", ["rawId"] = "AA", ["type"] = "public-key", ["response"] = new JsonObject { ["clientDataJSON"] = "e30", ["attestationObject"] = "oA", ["authenticatorData"] = "AA", ["signature"] = "AA" } },
            JsonValue.Create(42)!,
        ];
        foreach (var credential in garbage)
        {
            var (ceremony, _) = await OptionsAsync(host, "/v1/me/mfa/passkeys/options", new { }, session);
            await ProblemAssert.IsProblemAsync(
                await host.SendAsync(HttpMethod.Post, "/v1/me/mfa/passkeys", new { ceremonyId = ceremony, credential }, session), HttpStatusCode.BadRequest);
            var (signIn, _) = await OptionsAsync(host, "/v1/login/passkey/options", new { appId = "phone-app-01" });
            await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Post, "/v1/login/passkey",
                new { ceremonyId = signIn, appId = "phone-app-01", credential }), HttpStatusCode.Unauthorized);
        }

        // Note: a registration for another origin (a phishing page's), an unknown ceremony, a used one.
        var (registration, options) = await OptionsAsync(host, "/v1/me/mfa/passkeys/options", new { }, session);
        passkey.Origin = "https://latchkey.test.evil.example";
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Post, "/v1/me/mfa/passkeys",
            new { ceremonyId = registration, credential = passkey.Register(options) }, session), HttpStatusCode.BadRequest);
        passkey.Origin = Origin;
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Post, "/v1/me/mfa/passkeys",
            new { ceremonyId = registration, credential = passkey.Register(options) }, session), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Post, "/v1/me/mfa/passkeys",
            new { ceremonyId = Guid.NewGuid(), credential = passkey.Register(options) }, session), HttpStatusCode.BadRequest);

        // Note: an unknown credential signs nobody in; a bad app id or a missing mfaToken's person is refused alike.
        var (signInCeremony, signInOptions) = await OptionsAsync(host, "/v1/login/passkey/options", new { appId = "phone-app-01" });
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Post, "/v1/login/passkey",
            new { ceremonyId = signInCeremony, appId = "phone-app-01", credential = passkey.Assert(signInOptions) }), HttpStatusCode.Unauthorized);
        await ProblemAssert.IsProblemAsync(
            await host.SendAsync(HttpMethod.Post, "/v1/login/passkey/options", new { appId = "x" }), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Post, "/v1/login/passkey/options",
            new { appId = "phone-app-01", mfaToken = "lk_mfa_nonsense" }), HttpStatusCode.Unauthorized);
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Post, "/v1/login/passkey",
            new { appId = "phone-app-01" }), HttpStatusCode.Unauthorized);
        await ProblemAssert.IsProblemAsync(await host.SendAsync(HttpMethod.Post, "/v1/login/passkey",
            new StringContent("{\"ceremonyId\": 12, \"credential\": \"", System.Text.Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task WithoutAPublicBaseUrlPasskeysAnswerServiceUnavailable()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        await ProblemAssert.IsProblemAsync(
            await host.SendAsync(HttpMethod.Post, "/v1/login/passkey/options", new { appId = "phone-app-01" }), HttpStatusCode.ServiceUnavailable);
    }

    private static async Task<JsonElement> RegisterAsync(LatchkeyTestHost host, Credential session, SoftwarePasskey passkey, string? name = null)
    {
        var (ceremony, options) = await OptionsAsync(host, "/v1/me/mfa/passkeys/options", new { }, session);
        Assert.Equal("required", options.GetProperty("authenticatorSelection").GetProperty("residentKey").GetString());
        Assert.Equal("required", options.GetProperty("authenticatorSelection").GetProperty("userVerification").GetString());
        var response = await host.SendAsync(HttpMethod.Post, "/v1/me/mfa/passkeys", new { ceremonyId = ceremony, credential = passkey.Register(options), name }, session);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await LatchkeyTestHost.ReadJsonAsync(response);
    }

    private static async Task<(Guid Ceremony, JsonElement Options)> OptionsAsync(LatchkeyTestHost host, string path, object body, Credential? credential = null)
    {
        var response = await host.SendAsync(HttpMethod.Post, path, body, credential);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var json = await LatchkeyTestHost.ReadJsonAsync(response);
        return (json.GetProperty("ceremonyId").GetGuid(), json.GetProperty("options"));
    }
}

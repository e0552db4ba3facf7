using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Latchkey.AspNetCore.Tests;

/// <summary>
/// Thousands of generated malformed credentials, headers and bodies, thrown at the server in-process: none may get
/// a 5xx, none may log an error, and none may be echoed back.
/// </summary>
public sealed class FuzzTests
{
    private const int Rounds = 3000;

    private static readonly string[] Paths = ["/v1/login", "/v1/signup", "/v1/me", "/v1/sessions", "/v1/sessions/current",
        "/v1/machine-users", "/v1/me/password", $"/v1/sessions/{Guid.Empty}", "/v1/machine-users/x/token",
        $"/v1/machine-users/{Guid.NewGuid()}/token", $"/v1/machine-users/{Guid.NewGuid()}", "/v1/users", $"/v1/users/{Guid.NewGuid()}",
        $"/v1/users/{Guid.NewGuid()}/sessions", $"/v1/users/{Guid.NewGuid()}/unlock", "/v1/tenant", "/v1/audit", "/v1/audit?limit=x&before=y",
        "/healthz"];

    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH"];

    private static readonly string[] Tricks = ["\u0000", "\r\n", "\u202e", "\u200b", "\ufeff", "\ud800", "\udfff", "ｌｋ_ｋｅｙ_", "%00", "../",
        "\"", "\\", "{", "}", "[", "]", "lk_key_", "lk_mach_", "Bearer ", "🔑", "\u0085", "\u2028", new string('a', 5000)];

    [Fact]
    public async Task GeneratedMalformedRequestsNeverGetAServerErrorNorLogAnError()
    {
        await using var host = await LatchkeyTestHost.StartAsync();
        // Note: an app id the generator never sends, so a generated login cannot legitimately replace this session's key.
        var valid = await host.SignupAndLoginAsync(appId: "fuzz-observer-app");
        var random = new Random(20261125);
        var statuses = new Dictionary<int, int>();

        for (var i = 0; i < Rounds; i++)
        {
            var method = Pick(random, Methods);
            var path = Pick(random, Paths);
            var headers = new Dictionary<string, string>();
            if (random.Next(4) > 0)
            {
                headers["Authorization"] = MutatedAuthorization(random, valid.Token);
            }

            if (random.Next(2) == 0)
            {
                headers["X-App-Id"] = Mutate(random, valid.AppId!);
            }

            if (random.Next(5) == 0)
            {
                headers["Cookie"] = $"latchkey={Mutate(random, valid.Token)}; latchkey-app={Mutate(random, valid.AppId!)}";
            }

            var body = method is "POST" or "PUT" or "PATCH" ? MutatedBody(random) : null;
            var context = await RawRequest.SendAsync(host, method, path, body, headers: headers,
                contentType: random.Next(10) == 0 ? Pick(random, ["text/plain", "application/xml", "application/json; charset=utf-7", ""]) : "application/json");

            var status = context.Response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            Assert.True(status < 500, $"{method} {path} answered {status} to {body} with {string.Join(" | ", headers)}; log: "
                + string.Join("\n", host.Logs.GetSnapshot().Where(r => r.Level >= LogLevel.Error).Select(r => r.Message + r.Exception)));
            var responseBody = await RawRequest.ReadBodyAsync(context);
            Assert.DoesNotContain(valid.Token, responseBody);
            if (status >= 400 && responseBody.Length > 0)
            {
                Assert.Equal("application/problem+json", context.Response.ContentType);
            }
        }

        Assert.DoesNotContain(host.Logs.GetSnapshot(), r => r.Level >= LogLevel.Error);
        Assert.True(statuses.Keys.Count(s => s >= 400) >= 4, string.Join(", ", statuses.Select(kv => $"{kv.Key}×{kv.Value}")));
        Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: valid)).StatusCode);
    }

    private static string MutatedAuthorization(Random random, string token) => random.Next(6) switch
    {
        0 => "Bearer " + Mutate(random, token),
        1 => Pick(random, ["Bearer", "Bearer ", "bearer  ", "Basic Zm9vOmJhcg==", "Bearer\t" + token, "Token " + token]),
        2 => "Bearer " + RandomText(random, random.Next(0, 300)),
        3 => "Bearer " + token + Pick(random, Tricks),
        4 => "Bearer " + token[..random.Next(token.Length)],
        _ => RandomText(random, random.Next(0, 100)),
    };

    private static string? MutatedBody(Random random)
    {
        var login = Pick(random, ["alice@example.com", "", "x", RandomText(random, 40), Pick(random, Tricks)]);
        var password = Pick(random, [LatchkeyTestHost.Password, "", RandomText(random, 20), new string('p', 2000), Pick(random, Tricks)]);
        var appId = Pick(random, ["app-instance-1", "short", new string('a', 129), RandomText(random, 12), Pick(random, Tricks)]);
        var json = JsonSerializer.Serialize(new
        {
            login, password, appId, tenant = Pick(random, ["Acme", "", Pick(random, Tricks)]), currentPassword = password,
            roles = Pick(random, new object?[] { new[] { "member" }, new[] { "owner" }, "admin", null, new[] { Pick(random, Tricks) } }),
            disabled = Pick(random, new object?[] { true, false, "yes", null }), contactEmail = Pick(random, ["a@b.c", "", Pick(random, Tricks)]),
            newPassword = Pick(random, ["a brand new long passphrase", Pick(random, Tricks)]), name = Pick(random, ["bot", "", Pick(random, Tricks)]),
            scopes = random.Next(2) == 0 ? (object)new[] { Pick(random, ["deploy", "", "a b", Pick(random, Tricks)]) } : Pick(random, Tricks),
        });
        return random.Next(8) switch
        {
            0 => null,
            1 => json[..random.Next(json.Length)],
            2 => json.Replace("\"", Pick(random, ["'", "", "\\\""])),
            3 => new string('[', random.Next(1, 2000)),
            4 => Pick(random, ["null", "[]", "42", "\"text\"", "{}", "{\"login\":{\"$gt\":\"\"}}", "{\"login\":[1,2]}"]),
            5 => Mutate(random, json),
            _ => json,
        };
    }

    private static string Mutate(Random random, string text)
    {
        var builder = new StringBuilder(text);
        for (var n = random.Next(1, 4); n > 0 && builder.Length > 0; n--)
        {
            var at = random.Next(builder.Length);
            switch (random.Next(3))
            {
                case 0: builder[at] = (char)random.Next(0, 0x3000); break;
                case 1: builder.Remove(at, 1); break;
                default: builder.Insert(at, Pick(random, Tricks)); break;
            }
        }

        return builder.ToString();
    }

    private static string RandomText(Random random, int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = (char)random.Next(0, 0x10000);
        }

        return new string(chars);
    }

    private static T Pick<T>(Random random, T[] items) => items[random.Next(items.Length)];
}

using Latchkey.Client;
using Microsoft.Extensions.DependencyInjection;

// A console app calling a Latchkey server as README.md's "Calling it from .NET" shows: it logs in on its first run, its
// key is kept across runs, and when the session was revoked or expired it logs in again.
// LATCHKEY_URL (default http://localhost:5080/), LATCHKEY_LOGIN and LATCHKEY_PASSWORD say where and who.
var baseAddress = new Uri(Environment.GetEnvironmentVariable("LATCHKEY_URL") ?? "http://localhost:5080/");
var login = Environment.GetEnvironmentVariable("LATCHKEY_LOGIN") ?? "alice@example.com";
var password = Environment.GetEnvironmentVariable("LATCHKEY_PASSWORD") ?? "";

var services = new ServiceCollection();
services.AddHttpClient("latchkey", c => c.BaseAddress = baseAddress)
    .AddLatchkey(o => o.AppName = "my-cli");
await using var provider = services.BuildServiceProvider();
var latchkey = provider.GetRequiredService<LatchkeyClient>();
latchkey.Unauthorized += (_, e) => Console.Error.WriteLine($"Log in again: {e.Detail}");   // revoked, expired…
// Note: a stored key may have been revoked since the last run: GetMeAsync answers null then, and the key is forgotten.
if (!await latchkey.HasKeyAsync() || await latchkey.GetMeAsync() is null)
{
    if (!await latchkey.LoginAsync(login, password))
    {
        Console.Error.WriteLine("Wrong login or password.");
        return 1;
    }

    Console.WriteLine("Logged in.");
}

var me = await latchkey.HttpClient.GetStringAsync("v1/me");
Console.WriteLine(me);
return 0;

using System.Net;
using Latchkey.AspNetCore.Email;
using Latchkey.Core.Model;
using Latchkey.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.AspNetCore.Tests;

public sealed class FailClosedTests
{
    [Fact]
    public async Task WithoutItsDatabaseTheServerAnswersServiceUnavailableAndRecoversWhenItIsBack()
    {
        var directory = Directory.CreateTempSubdirectory("latchkey-failclosed-").FullName;
        var database = Path.Combine(directory, "data", "latchkey.db");
        Directory.CreateDirectory(Path.GetDirectoryName(database)!);
        try
        {
            // Note: no pooling, so every request opens the file anew and sees it vanish, as after a lost volume.
            await using var host = await LatchkeyTestHost.StartAsync(connectionString: $"Data Source={database};Pooling=False");
            var key = await host.SignupAndLoginAsync();
            var ready = HttpStatusCode.ServiceUnavailable;
            for (var i = 0; i < 600 && ready != HttpStatusCode.OK; i++)
            {
                // Note: ready once the credential change feed has confirmed its first lease.
                ready = (await host.SendAsync(HttpMethod.Get, "/healthz/ready")).StatusCode;
                await Task.Delay(ready == HttpStatusCode.OK ? 0 : 50);
            }

            Assert.Equal(HttpStatusCode.OK, ready);
            var saved = Path.Combine(directory, "saved");
            Directory.Move(Path.GetDirectoryName(database)!, saved);

            var me = await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key);
            var login = await host.SendAsync(HttpMethod.Post, "/v1/login",
                new { login = "alice@example.com", password = LatchkeyTestHost.Password, appId = "app-instance-2" });
            var health = await host.SendAsync(HttpMethod.Get, "/healthz");
            var readiness = await host.SendAsync(HttpMethod.Get, "/healthz/ready");
            var liveness = await host.SendAsync(HttpMethod.Get, "/healthz/live");

            await ProblemAssert.IsProblemAsync(me, HttpStatusCode.ServiceUnavailable);
            await ProblemAssert.IsProblemAsync(login, HttpStatusCode.ServiceUnavailable);
            await ProblemAssert.IsProblemAsync(health, HttpStatusCode.ServiceUnavailable);
            await ProblemAssert.IsProblemAsync(readiness, HttpStatusCode.ServiceUnavailable);
            Assert.Equal(HttpStatusCode.OK, liveness.StatusCode);

            Directory.Move(saved, Path.GetDirectoryName(database)!);
            Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/healthz")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await host.SendAsync(HttpMethod.Get, "/v1/me", credential: key)).StatusCode);
        }
        finally
        {
            // Note: after the host is gone: its change feed opens the file every eighth of a lease, and would put the
            // write-ahead log back into the directory while it is being deleted.
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task ReadinessFailsOnceADueEmailHasWaitedForASenderLongerThanTheLimit()
    {
        var pickup = Directory.CreateTempSubdirectory("latchkey-pickup-").FullName;
        try
        {
            // Note: no sender runs, as when every instance's sender has stopped.
            await using var host = await LatchkeyTestHost.StartAsync(
                new Dictionary<string, string?>
                {
                    ["Latchkey:PublicBaseUrl"] = "https://auth.example.com",
                    ["Latchkey:Email:PickupDirectory"] = pickup,
                    ["Latchkey:Email:ReadyMaxOutboxAge"] = "00:10:00",
                },
                services: s => s.Remove(s.Single(d => d.ImplementationType == typeof(EmailSender))));
            var ready = HttpStatusCode.ServiceUnavailable;
            for (var i = 0; i < 600 && ready != HttpStatusCode.OK; i++)
            {
                ready = (await host.SendAsync(HttpMethod.Get, "/healthz/ready")).StatusCode;
                await Task.Delay(ready == HttpStatusCode.OK ? 0 : 50);
            }

            Assert.Equal(HttpStatusCode.OK, ready);
            await using var scope = host.App.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<LatchkeyDbContext>();
            var now = host.Time.GetUtcNow();
            db.EmailOutbox.Add(new OutboxMessage
            {
                Id = Guid.CreateVersion7(), Kind = "test", Body = [1], State = OutboxState.Pending,
                CreatedAt = now.AddMinutes(-9), DueAt = now.AddMinutes(-9), ExpiresAt = now.AddDays(1),
            });
            await db.SaveChangesAsync();
            var waitingLess = await host.SendAsync(HttpMethod.Get, "/healthz/ready");
            await db.EmailOutbox.ExecuteUpdateAsync(m => m.SetProperty(x => x.DueAt, now.AddMinutes(-11)));
            var waitingLonger = await host.SendAsync(HttpMethod.Get, "/healthz/ready");
            var live = await host.SendAsync(HttpMethod.Get, "/healthz/live");

            Assert.Equal(HttpStatusCode.OK, waitingLess.StatusCode);
            await ProblemAssert.IsProblemAsync(waitingLonger, HttpStatusCode.ServiceUnavailable);
            Assert.Contains("e-mail outbox is stuck", await waitingLonger.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }
        finally
        {
            Directory.Delete(pickup, recursive: true);
        }
    }
}

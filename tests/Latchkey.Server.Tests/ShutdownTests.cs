using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Latchkey.Server.Tests;

/// <summary>What a Kubernetes rollout does to an instance: SIGTERM while a request is in flight.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task OnSigtermTheInstanceIsNotReadyAtOnceFinishesTheRequestInFlightAndExits()
    {
        var directory = Directory.CreateTempSubdirectory("latchkey-shutdown-").FullName;
        try
        {
            var server = await ServerProcess.StartAsync($"Data Source={Path.Combine(directory, "latchkey.db")}", new Dictionary<string, string>
            {
                ["Latchkey__Storage__Provider"] = "sqlite",
                // Note: long enough for the probe below to be answered while the instance still listens.
                ["Latchkey__Shutdown__DrainDelay"] = "00:00:08",
            });
            await using (server)
            {
                Assert.Equal(HttpStatusCode.OK, await ReadinessAsync(server, HttpStatusCode.OK));

                // A sign-up whose body has not fully arrived when the signal comes.
                var body = Encoding.UTF8.GetBytes("""{"tenant":"Acme","login":"alice@example.com","password":"correct horse battery staple"}""");
                using var connection = new TcpClient();
                await connection.ConnectAsync(IPAddress.Loopback, server.Port);
                var stream = connection.GetStream();
                await stream.WriteAsync(Encoding.ASCII.GetBytes(
                    $"POST /v1/signup HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n"));
                await stream.WriteAsync(body.AsMemory(0, 10));
                await stream.FlushAsync();

                server.Terminate();
                var readiness = await ReadinessAsync(server, HttpStatusCode.ServiceUnavailable);
                var liveness = (await server.Client.GetAsync("/healthz/live")).StatusCode;
                await stream.WriteAsync(body.AsMemory(10));
                var status = await ReadStatusLineAsync(stream);

                Assert.Equal(HttpStatusCode.ServiceUnavailable, readiness);
                Assert.Equal(HttpStatusCode.OK, liveness);
                Assert.Equal("HTTP/1.1 201 Created", status);
                Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Polls <c>/healthz/ready</c> until it answers <paramref name="wanted"/> (or 30 s pass); the last answer.</summary>
    private static async Task<HttpStatusCode> ReadinessAsync(ServerProcess server, HttpStatusCode wanted)
    {
        var last = (HttpStatusCode)0;
        for (var i = 0; i < 600 && last != wanted; i++)
        {
            last = (await server.Client.GetAsync("/healthz/ready")).StatusCode;
            if (last != wanted)
            {
                await Task.Delay(50);
            }
        }

        return last;
    }

    private static async Task<string> ReadStatusLineAsync(NetworkStream stream)
    {
        var received = new StringBuilder();
        var buffer = new byte[1024];
        while (!received.ToString().Contains("\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                break;
            }

            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        var text = received.ToString();
        var end = text.IndexOf("\r\n", StringComparison.Ordinal);
        return end < 0 ? text : text[..end];
    }
}

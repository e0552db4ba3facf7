using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using MimeKit;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Latchkey.AspNetCore.Tests;

/// <summary>
/// A real SMTP server in the test process (the SmtpServer package) on a free loopback port: it receives every message
/// the hosts send, parsed with MimeKit. It can be stopped (SMTP down: connections refused) and started again.
/// </summary>
internal sealed partial class TestSmtpServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<MimeMessage> _messages = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private SmtpServer.SmtpServer? _server;
    private Task? _running;

    private TestSmtpServer(int port) => Port = port;

    public int Port { get; }

    public IReadOnlyCollection<MimeMessage> Messages => _messages;

    /// <summary>The host settings that send to this server.</summary>
    public Dictionary<string, string?> Settings(string publicBaseUrl = "https://auth.example.com") => new()
    {
        ["Latchkey:PublicBaseUrl"] = publicBaseUrl,
        ["Latchkey:Email:From"] = "Latchkey <no-reply@auth.example.com>",
        ["Latchkey:Email:Smtp:Host"] = "127.0.0.1",
        ["Latchkey:Email:Smtp:Port"] = Port.ToString(),
        ["Latchkey:Email:Smtp:Security"] = "None",
        // Note: off unless a test is about it, so that each test counts only the messages it is about.
        ["Latchkey:Email:NewDeviceNotice"] = "false",
    };

    public static TestSmtpServer Start()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var server = new TestSmtpServer(port);
        server.Resume();
        return server;
    }

    /// <summary>(Re)starts listening on <see cref="Port"/>.</summary>
    public void Resume()
    {
        var options = new SmtpServerOptionsBuilder().ServerName("localhost")
            .Endpoint(new EndpointDefinitionBuilder().Endpoint(new IPEndPoint(IPAddress.Loopback, Port)).Build())
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(this));
        _server = new SmtpServer.SmtpServer(options, services);
        _running = _server.StartAsync(CancellationToken.None);
    }

    /// <summary>SMTP down: stops listening (connections are refused) until <see cref="Resume"/>.</summary>
    public async Task StopAsync()
    {
        if (_server is not null)
        {
            _server.Shutdown();
            await _server.ShutdownTask;
            await _running!;
            _server = null;
        }
    }

    /// <summary>Waits (on arrivals, not on time) until <paramref name="count"/> messages in all have arrived.</summary>
    public async Task<IReadOnlyList<MimeMessage>> WaitForAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (_messages.Count < count)
        {
            if (!await _arrived.WaitAsync(deadline - DateTime.UtcNow > TimeSpan.Zero ? deadline - DateTime.UtcNow : TimeSpan.Zero))
            {
                throw new TimeoutException($"{_messages.Count} of {count} messages arrived");
            }
        }

        return _messages.ToList();
    }

    /// <summary>The newest message to <paramref name="address"/>.</summary>
    public MimeMessage LastTo(string address) =>
        _messages.Last(m => m.To.Mailboxes.Any(b => string.Equals(b.Address, address, StringComparison.OrdinalIgnoreCase)));

    /// <summary>The link in the message's plain-text part (its HTML part must carry the same).</summary>
    public static string Link(MimeMessage message)
    {
        var match = LinkPattern().Match(message.TextBody ?? "");
        Assert.True(match.Success, "the message carries a link");
        Assert.Contains(match.Value, message.HtmlBody);
        return match.Value;
    }

    /// <summary>The token in the link's fragment.</summary>
    public static string Token(MimeMessage message)
    {
        var link = new Uri(Link(message));
        Assert.StartsWith("#token=", link.Fragment);
        return link.Fragment["#token=".Length..];
    }

    [GeneratedRegex(@"https?://\S+#token=[A-Za-z0-9_]+")]
    private static partial Regex LinkPattern();

    public async ValueTask DisposeAsync() => await StopAsync();

    private sealed class Store(TestSmtpServer owner) : IMessageStore
    {
        public Task<SmtpResponse> SaveAsync(
            ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            owner._messages.Enqueue(MimeMessage.Load(stream));
            owner._arrived.Release();
            return Task.FromResult(SmtpResponse.Ok);
        }
    }
}

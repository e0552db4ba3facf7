using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Latchkey.Server.Tests;

/// <summary>
/// One real Latchkey.Server process (the built Latchkey.Server.dll under <c>dotnet</c>), on a loopback port of its own,
/// configured by environment variables as an operator would. Killed, not stopped, on dispose.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private ServerProcess(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public HttpClient Client { get; }

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();

    /// <summary>What the process has written to standard output and error so far, line by line.</summary>
    public IReadOnlyCollection<string> Output => _output;

    private void Keep(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }

    /// <summary>
    /// SIGTERM, then waits for the process to exit: a graceful stop, after which everything it logged has been
    /// written (the console logger writes from a queue of its own).
    /// </summary>
    public async Task StopAsync()
    {
        if (kill(_process.Id, 15) != 0)
        {
            throw new InvalidOperationException($"kill(SIGTERM) failed: {Marshal.GetLastPInvokeError()}");
        }

        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(limit.Token);
        // Note: WaitForExit without a timeout also waits for the redirected streams to reach their end.
        _process.WaitForExit();
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    public bool HasExited => _process.HasExited;

    /// <summary>The repository's root (where test.sh is), found upwards from the test's output directory.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>Runs <c>Latchkey.Server --migrate-only</c> on the database and returns its exit code.</summary>
    public static async Task<int> MigrateOnlyAsync(string connectionString, IDictionary<string, string>? settings = null) =>
        (await MigrateOnlyWithOutputAsync(connectionString, settings)).ExitCode;

    /// <summary>Runs <c>Latchkey.Server --migrate-only</c> on the database; its exit code and what it wrote.</summary>
    public static async Task<(int ExitCode, string Output)> MigrateOnlyWithOutputAsync(
        string connectionString, IDictionary<string, string>? settings = null, string[]? arguments = null)
    {
        var (start, directory) = CreateStartInfo(connectionString, settings, ["--migrate-only", .. arguments ?? []]);
        using var process = Process.Start(start)!;
        var drained = Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
        await process.WaitForExitAsync();
        var output = await drained;
        Directory.Delete(directory, recursive: true);
        return (process.ExitCode, string.Join(Environment.NewLine, output));
    }

    /// <summary>Starts a server on the PostgreSQL database of <paramref name="connectionString"/> and waits until it is healthy.</summary>
    public static async Task<ServerProcess> StartAsync(
        string connectionString, IDictionary<string, string>? settings = null, string[]? arguments = null)
    {
        var port = FreePort();
        var (start, directory) = CreateStartInfo(connectionString, settings, ["--urls", $"http://127.0.0.1:{port}", .. arguments ?? []]);
        return await StartAsync(start, directory, port);
    }

    /// <summary>
    /// Starts the server at <paramref name="dll"/> (e.g. a published one) in a working directory of its own, with no
    /// arguments: its port comes from <c>ASPNETCORE_HTTP_PORTS</c>, as in a container.
    /// </summary>
    public static async Task<ServerProcess> StartPublishedAsync(string dll, string connectionString, IDictionary<string, string>? settings = null)
    {
        var port = FreePort();
        var (start, directory) = CreateStartInfo(connectionString, settings, [], dll);
        start.Environment["ASPNETCORE_HTTP_PORTS"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await StartAsync(start, directory, port);
    }

    /// <summary>The working directory the process was started in (a new, empty one).</summary>
    public string WorkingDirectory => _directory;

    /// <summary>SIGTERM, without waiting: what Kubernetes sends a pod it is taking away.</summary>
    public void Terminate()
    {
        if (kill(_process.Id, 15) != 0)
        {
            throw new InvalidOperationException($"kill(SIGTERM) failed: {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Waits for the process to exit by itself and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan limit)
    {
        using var cancel = new CancellationTokenSource(limit);
        await _process.WaitForExitAsync(cancel.Token);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>The port the server listens on (loopback).</summary>
    public int Port => Client.BaseAddress!.Port;

    private static async Task<ServerProcess> StartAsync(ProcessStartInfo start, string directory, int port)
    {
        var process = Process.Start(start)!;
        var server = new ServerProcess(process, directory, port);
        // Note: drained so a chatty server never blocks on a full pipe; kept for the tests that read what it logged.
        process.OutputDataReceived += (_, e) => server.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => server.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitUntilHealthyAsync(TimeSpan.FromSeconds(60));
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>The configuration (Debug, Release) the tests, and so the server they reference, were built in.</summary>
    public static string BuildConfiguration { get; } =
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    private static (ProcessStartInfo Start, string Directory) CreateStartInfo(
        string connectionString, IDictionary<string, string>? settings, string[] arguments, string? dll = null)
    {
        // Note: the server built with the tests (a project reference), in the same configuration.
        dll ??= Path.Combine(RepositoryRoot, "src", "Latchkey.Server", "bin", BuildConfiguration, "net10.0", "Latchkey.Server.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException("Latchkey.Server is not built where the tests expect it", dll);
        }

        var directory = Directory.CreateTempSubdirectory("latchkey-instance-").FullName;
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { dll }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Latchkey__Storage__Provider"] = "postgres",
            ["ConnectionStrings__Latchkey"] = connectionString,
            // Note: cheap Argon2 and no per-address limit, as in the in-process suite: all load comes from one address.
            ["Latchkey__Passwords__Argon2Iterations"] = "1",
            ["Latchkey__Passwords__Argon2MemoryKiB"] = "8",
            ["Latchkey__Network__CredentialRequestsPerMinute"] = "1000000",
            ["Latchkey__Network__FailureBurst"] = "1000000",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return (start, directory);
    }

    /// <summary>Polls <c>/healthz</c> until it answers 200; throws after <paramref name="limit"/>.</summary>
    public async Task WaitUntilHealthyAsync(TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Latchkey.Server exited with code {_process.ExitCode}");
            }

            try
            {
                if ((await Client.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("Latchkey.Server did not become healthy");
    }

    /// <summary>SIGKILL: no shutdown, no flush, as a crashed machine or an OOM kill.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null, (string Key, string? AppId)? credential = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        if (credential is { } c)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", c.Key);
            if (c.AppId is not null)
            {
                request.Headers.Add("X-App-Id", c.AppId);
            }
        }

        return Client.SendAsync(request);
    }

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            Kill();
        }

        _process.Dispose();
        await Task.Yield();
        Directory.Delete(_directory, recursive: true);
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Latchkey.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Latchkey.slnx not found above " + AppContext.BaseDirectory);
    }
}

using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Latchkey.Web.Tests;

/// <summary>
/// With <c>LATCHKEY_WEB_DIAG=/path/to/file</c>, the test server appends to that file every request with its duration
/// and status, and its log (Information and up; Data Protection's key management from Trace). Note: a browser test
/// that times out says only what the page did not do; this says what the server did meanwhile (how the sign-up flake
/// was hunted: docs/web-ui.md, "Browser tests").
/// </summary>
internal static class ServerDiagnostics
{
    private static readonly Lock Gate = new();

    public static void AddIfAsked(IServiceCollection services)
    {
        if (Environment.GetEnvironmentVariable("LATCHKEY_WEB_DIAG") is not { Length: > 0 } path)
        {
            return;
        }

        services.AddSingleton<IStartupFilter>(new RequestTimes(path));
        services.AddSingleton<ILoggerProvider>(new FileLog(path));
        services.Configure<LoggerFilterOptions>(o => o.Rules.Add(
            new LoggerFilterRule(typeof(FileLog).FullName, "Microsoft.AspNetCore.DataProtection", LogLevel.Trace, null)));
    }

    private static void Append(string path, string line)
    {
        lock (Gate)
        {
            File.AppendAllText(path, $"{DateTime.UtcNow:HH:mm:ss.fff} {line}\n");
        }
    }

    private sealed class RequestTimes(string path) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (HttpContext context, Func<Task> inner) =>
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await inner();
                }
                finally
                {
                    Append(path, $"REQ {Stopwatch.GetElapsedTime(started).TotalMilliseconds,8:F0} ms {context.Request.Method} "
                        + $"{context.Request.Path}{context.Request.QueryString} -> {context.Response.StatusCode}");
                }
            });
            next(app);
        };
    }

    private sealed class FileLog(string path) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(path, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(string path, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                Append(path, $"{logLevel} {category}: {formatter(state, exception)} {exception?.GetType().Name} {exception?.Message}");
        }
    }
}

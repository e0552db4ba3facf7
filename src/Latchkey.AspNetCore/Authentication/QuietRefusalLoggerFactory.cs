using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Latchkey.AspNetCore.Authentication;

/// <summary>
/// The logger factory handed to <see cref="LatchkeyAuthenticationHandler"/>'s base class: ASP.NET Core's
/// <c>AuthenticationHandler</c> writes "was not authenticated" and "was challenged" at Information for every refused
/// request, which a flood of bad tokens turns into a line per request. Those two go to Debug; the handler's
/// <c>CredentialRefusalLog</c> writes the summary instead. Every other line passes unchanged.
/// </summary>
/// <remarks>A singleton: handlers are made per request, and their loggers are kept per category here.</remarks>
internal sealed class QuietRefusalLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    private readonly ConcurrentDictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);

    public ILogger CreateLogger(string categoryName) =>
        _loggers.GetOrAdd(categoryName, static (name, factory) => new QuietLogger(factory.CreateLogger(name)), inner);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    // Note: the container owns the inner factory.
    public void Dispose()
    {
    }

    private sealed class QuietLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // Note: by the event names of ASP.NET Core's authentication logging (stable across versions, as their ids).
            if (logLevel == LogLevel.Information
                && eventId.Name is "AuthenticationSchemeNotAuthenticatedWithFailure" or "AuthenticationSchemeChallenged")
            {
                logLevel = LogLevel.Debug;
                if (!inner.IsEnabled(logLevel))
                {
                    return;
                }
            }

            inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}

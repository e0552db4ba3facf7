using Latchkey.Core;
using Latchkey.Core.Credentials;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Latchkey.AspNetCore.Tests;

/// <summary>Wraps the real hasher to count verifications and the most that ever ran at once.</summary>
internal sealed class CountingPasswordHasher : IPasswordHasher
{
    private IPasswordHasher _inner = null!;
    private int _verifications;
    private int _realVerifications;
    private int _running;
    private int _maxRunning;
    private TaskCompletionSource? _hold;

    /// <summary>Every verification, including those against the dummy verifier that unknown and locked logins cost.</summary>
    public int Verifications => Volatile.Read(ref _verifications);

    /// <summary>Verifications against a stored verifier: the password was actually checked.</summary>
    public int RealVerifications => Volatile.Read(ref _realVerifications);

    public int MaxConcurrent => Volatile.Read(ref _maxRunning);

    public string DummyVerifier => _inner.DummyVerifier;

    /// <summary>While set, the next verification waits inside the hasher until this completes.</summary>
    public TaskCompletionSource? Hold
    {
        get => _hold;
        set
        {
            Held = new(TaskCreationOptions.RunContinuationsAsynchronously);
            _hold = value;
        }
    }

    /// <summary>Completes when the verification that <see cref="Hold"/> last asked for is being held.</summary>
    public TaskCompletionSource Held { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Puts this counter in front of the real hasher in a test host's services.</summary>
    public void Register(IServiceCollection services) => services.AddSingleton<IPasswordHasher>(sp =>
    {
        _inner = new Argon2idPasswordHasher(sp.GetRequiredService<IOptions<LatchkeyPasswordOptions>>());
        return this;
    });

    public string Hash(string password) => Track(() => _inner.Hash(password));

    public PasswordVerification Verify(string verifier, string password)
    {
        Interlocked.Increment(ref _verifications);
        if (verifier != _inner.DummyVerifier)
        {
            Interlocked.Increment(ref _realVerifications);
        }

        return Track(() =>
        {
            if (Interlocked.Exchange(ref _hold, null) is { } hold)
            {
                Held.TrySetResult();
                hold.Task.Wait();
            }

            return _inner.Verify(verifier, password);
        });
    }

    private T Track<T>(Func<T> work)
    {
        var running = Interlocked.Increment(ref _running);
        int max;
        while (running > (max = Volatile.Read(ref _maxRunning)) && Interlocked.CompareExchange(ref _maxRunning, running, max) != max)
        {
        }

        try
        {
            return work();
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }
}

namespace Latchkey.Core.Services;

/// <summary>
/// Wakes the attempts of this instance that wait on a login when any attempt ends; they look again and wait again if
/// it was not theirs. Waiting is rare (concurrent attempts at one login), so one signal for all keeps it simple and
/// leaves nothing behind per login. Attempts on other instances are seen by polling. Also bounds how many attempts
/// may wait on one login at once (<see cref="MaxWaitingPerLogin"/>).
/// </summary>
internal sealed class LoginThrottleSignals
{
    /// <summary>
    /// Attempts of this instance that may wait on one login at once; any more are answered 429 at once. Enough for a
    /// burst of sixteen logins with the right password (a person's devices, a load test) to all succeed; few enough
    /// that requests parked on a login cost next to nothing.
    /// </summary>
    public const int MaxWaitingPerLogin = 16;

    // Note: waiting is rare, so one lock over a small table is simpler than anything finer, and an entry goes when its
    // last waiter does.
    private readonly Dictionary<string, int> _waiting = [];
    private TaskCompletionSource _ended = New();

    /// <summary>Takes one of the login's places to wait, if one is free; give it back with <see cref="StopWaiting"/>.</summary>
    public bool TryStartWaiting(string key)
    {
        lock (_waiting)
        {
            var count = _waiting.GetValueOrDefault(key);
            if (count >= MaxWaitingPerLogin)
            {
                return false;
            }

            _waiting[key] = count + 1;
            return true;
        }
    }

    public void StopWaiting(string key)
    {
        lock (_waiting)
        {
            if (_waiting[key] == 1)
            {
                _waiting.Remove(key);
            }
            else
            {
                _waiting[key]--;
            }
        }
    }

    public Task Listen() => Volatile.Read(ref _ended).Task;

    public void Signal() => Interlocked.Exchange(ref _ended, New()).TrySetResult();

    private static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

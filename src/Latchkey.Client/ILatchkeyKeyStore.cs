namespace Latchkey.Client;

/// <summary>
/// Keeps the app instance's API key between runs. The default is a file only the user can read
/// (<see cref="FileKeyStore"/>); register another (the OS keychain, a secret store) before <c>AddLatchkey</c>.
/// </summary>
public interface ILatchkeyKeyStore
{
    /// <summary>The stored key, or null when the app is logged out.</summary>
    ValueTask<string?> ReadAsync(CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="key"/>, or forgets the stored one when it is null.</summary>
    ValueTask WriteAsync(string? key, CancellationToken cancellationToken);
}

/// <summary>The key in a file of its own, created readable and writable by its owner alone (0600 on Unix).</summary>
public sealed class FileKeyStore(string path) : ILatchkeyKeyStore
{
    public string Path { get; } = path;

    public async ValueTask<string?> ReadAsync(CancellationToken cancellationToken) =>
        File.Exists(Path) ? (await File.ReadAllTextAsync(Path, cancellationToken)).Trim() is { Length: > 0 } key ? key : null : null;

    public async ValueTask WriteAsync(string? key, CancellationToken cancellationToken)
    {
        if (key is null)
        {
            File.Delete(Path);
            return;
        }

        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);

        // Note: the mode is set as the file is created, so there is no moment at which others may read the key.
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var stream = new FileStream(Path, options))
        await using (var writer = new StreamWriter(stream))
        {
            await writer.WriteAsync(key.AsMemory(), cancellationToken);
        }

        if (!OperatingSystem.IsWindows())
        {
            // Note: a file that existed before keeps its old mode through FileMode.Create; tighten it as well.
            File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}

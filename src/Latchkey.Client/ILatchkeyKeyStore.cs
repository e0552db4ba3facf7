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

/// <summary>
/// The key in a file of its own, readable and writable by its owner alone (0600 on Unix), in a directory only the owner
/// may enter (0700). A write creates a new file beside the key and renames it over the key, so a reader sees the old
/// key or the new one, never half of one, and a symbolic link planted at the key's path is replaced, not followed.
/// The key's directory itself must not be a symbolic link: the store refuses it (<see cref="IOException"/>) rather
/// than write the key wherever the link points; a link found at the key's own path is refused on reading too, since
/// the store never writes one.
/// </summary>
public sealed class FileKeyStore(string path) : ILatchkeyKeyStore
{
    public string Path { get; } = path;

    public async ValueTask<string?> ReadAsync(CancellationToken cancellationToken)
    {
        var file = new FileInfo(Path);
        if (!file.Exists && file.LinkTarget is null)
        {
            return null;
        }

        // Note: the store never writes a link (the rename replaces one), so a link here was put by someone else;
        // reading through it would send whatever they chose as the key.
        if (file.LinkTarget is not null)
        {
            throw new IOException($"The key file {Path} is a symbolic link; remove it and log in again.");
        }

        return (await File.ReadAllTextAsync(Path, cancellationToken)).Trim() is { Length: > 0 } key ? key : null;
    }

    public async ValueTask WriteAsync(string? key, CancellationToken cancellationToken)
    {
        if (key is null)
        {
            // Note: deletes a link itself, never its target.
            File.Delete(Path);
            return;
        }

        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!;
        PrivateDirectory.Ensure(directory);

        // Note: CreateNew (O_CREAT|O_EXCL) neither opens an existing file nor follows a link planted at the name, and
        // the mode is set as the file is created, so there is no moment at which others may read the key.
        var temporary = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(Path)}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            await using (var stream = new FileStream(temporary, options))
            {
                await using (var writer = new StreamWriter(stream, leaveOpen: true))
                {
                    await writer.WriteAsync(key.AsMemory(), cancellationToken);
                }

                // Note: on disk before the rename, so a crash leaves the old key or the new one, not an empty file.
                stream.Flush(flushToDisk: true);
            }

            // Note: rename(2) replaces whatever has the key's name, a link included, without following it.
            File.Move(temporary, Path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}

/// <summary>The SDK's configuration directory: created, or tightened, to be its owner's alone (0700 on Unix).</summary>
internal static class PrivateDirectory
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public static void Ensure(string directory)
    {
        var info = new DirectoryInfo(directory);
        if (info.LinkTarget is not null)
        {
            throw new IOException(
                $"Latchkey's configuration directory {directory} is a symbolic link; make it a directory of its own.");
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            return;
        }

        if (!info.Exists)
        {
            // Note: parents are created 0700 too; the SDK creates only those under the user's own configuration root.
            Directory.CreateDirectory(directory, OwnerOnly);
        }

        // Note: a directory from an older version (or another tool's umask) is tightened: others could otherwise
        // list it and, with write permission, replace the key between two runs.
        if ((File.GetUnixFileMode(directory) & ~OwnerOnly) != 0)
        {
            File.SetUnixFileMode(directory, OwnerOnly);
        }
    }
}

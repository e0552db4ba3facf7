namespace Latchkey.Client;

/// <summary>How a client application identifies itself to Latchkey and where it keeps what must survive a restart.</summary>
public sealed class LatchkeyClientOptions
{
    /// <summary>The application's name, shown in the user's session list. Defaults to the entry assembly's name.</summary>
    public string AppName { get; set; } = System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name ?? "app";

    /// <summary>
    /// Where the installation keeps its app id (and, with the default store, its key). Defaults to
    /// <c>latchkey/&lt;AppName&gt;</c> under the user's configuration directory (<c>~/.config</c> on Linux,
    /// <c>%APPDATA%</c> on Windows). Created, or tightened, to be its owner's alone (0700 on Unix); it must not be a
    /// symbolic link.
    /// </summary>
    public string? ConfigDirectory { get; set; }

    /// <summary>A machine user's token: when set, every request carries it and no login or app id is involved.</summary>
    public string? MachineToken { get; set; }

    internal string ResolveConfigDirectory() => ConfigDirectory ?? Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.Create), "latchkey", AppName);
}

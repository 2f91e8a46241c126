using System.Runtime.InteropServices;

namespace DiMaskDino.Pipeline.Storage;

/// <summary>What a directory entry is, as far as opening it for reading is concerned.</summary>
public enum FileKind
{
    Missing,
    Regular,
    Folder,
    Fifo,
    CharacterDevice,
    BlockDevice,
    Socket,
    Link,
}

/// <summary>
/// The type of a file without opening it. .NET reports FIFOs, devices and sockets as ordinary files, and opening a
/// FIFO blocks until a writer appears, so on Linux the type comes from statx(2) (its layout is the same on every
/// architecture). Elsewhere only folders are told apart.
/// </summary>
public static partial class FileKinds
{
    private const int AtCurrentDirectory = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const int StatxSize = 256;
    private const int ModeOffset = 28;

    /// <summary>The kind of <paramref name="path"/>; a link itself when <paramref name="followLinks"/> is false, else its final target.</summary>
    public static FileKind Of(string path, bool followLinks)
    {
        if (!OperatingSystem.IsLinux())
        {
            var info = new FileInfo(path);
            return Directory.Exists(path) ? FileKind.Folder : info.Exists ? FileKind.Regular : FileKind.Missing;
        }

        Span<byte> buffer = stackalloc byte[StatxSize];
        if (Statx(AtCurrentDirectory, path, followLinks ? 0 : AtSymlinkNoFollow, StatxType, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            return FileKind.Missing;
        }

        return (BitConverter.ToUInt16(buffer[ModeOffset..]) & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Folder,
            0x1000 => FileKind.Fifo,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            0xC000 => FileKind.Socket,
            _ => FileKind.Link,
        };
    }

    /// <summary>"a FIFO", "a socket", ... for a failure reason.</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Fifo => "a FIFO",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Socket => "a socket",
        FileKind.Folder => "a folder",
        FileKind.Link => "a symbolic link",
        FileKind.Missing => "missing",
        _ => "a regular file",
    };

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directory, string path, int flags, uint mask, ref byte buffer);
}

using System.Buffers;
using System.IO.MemoryMappedFiles;

namespace DiMaskDino.Pipeline.Finalizing;

/// <summary>
/// A file exposed as <see cref="BinaryData"/> through a read-only memory map, so a large output written to a
/// temporary file (annotations.json of a million images) can go through <see cref="Storage.IBlobStore.WriteAsync"/>
/// without being copied into the managed heap: its pages are file-backed and the OS can drop them at will.
/// Dispose after the write has finished. Files of 2 GiB or more are refused (one <see cref="Memory{T}"/> cannot span them).
/// </summary>
internal sealed unsafe class MappedFileData : MemoryManager<byte>
{
    private readonly MemoryMappedFile? _file;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _pointer;
    private readonly int _length;

    public MappedFileData(string path)
    {
        var length = new FileInfo(path).Length;
        if (length >= int.MaxValue)
        {
            throw new IOException($"{path} is {length:N0} bytes; outputs of 2 GiB or more are not supported by the blob store port");
        }

        _length = (int)length;
        if (_length == 0)
        {
            return;
        }

        _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _view = _file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _pointer = pointer + _view.PointerOffset;
    }

    public BinaryData Data => new(Memory);

    public override Span<byte> GetSpan() => _length == 0 ? [] : new Span<byte>(_pointer, _length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }

        _file?.Dispose();
    }
}

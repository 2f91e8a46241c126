using DiMaskDino.Contracts.Models;
using Microsoft.ML.OnnxRuntime;
using ModelMetadata = DiMaskDino.Contracts.Models.ModelMetadata;

namespace DiMaskDino.Contracts.Tests.Models;

/// <summary>The ONNX-free metadata reader on a real export: the bundled demo model (models/dimaskdino-tiny-shapes.onnx).</summary>
public sealed class OnnxMetadataReaderTests
{
    [Fact]
    public async Task Reads_the_same_metadata_as_ONNX_Runtime_seeking_over_the_graph()
    {
        using var session = new InferenceSession(BundledModel.Path);
        var expected = session.ModelMetadata.CustomMetadataMap;
        await using var file = File.OpenRead(BundledModel.Path);

        var props = await OnnxMetadataReader.ReadAsync(file, "tiny.onnx");

        Assert.Equal(expected.OrderBy(p => p.Key, StringComparer.Ordinal), props.OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Contains(ModelMetadata.Keys.Classes, props.Keys);
    }

    [Fact]
    public async Task Reads_a_stream_that_cannot_seek()
    {
        await using var file = new NonSeekable(File.OpenRead(BundledModel.Path));

        var props = await OnnxMetadataReader.ReadAsync(file, "tiny.onnx");

        Assert.Equal(ModelMetadata.Values.InferenceGraph, props[ModelMetadata.Keys.Graph]);
    }

    [Fact]
    public async Task Truncated_model_is_not_an_ONNX_model()
    {
        var bytes = await File.ReadAllBytesAsync(BundledModel.Path);
        await using var half = new MemoryStream(bytes[..(bytes.Length / 2)]);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => OnnxMetadataReader.ReadAsync(half, "models/half.onnx"));

        Assert.Equal("models/half.onnx is not an ONNX model: the protobuf ends in the middle of a field", error.Message);
    }

    private sealed class NonSeekable(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => throw new NotSupportedException();
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

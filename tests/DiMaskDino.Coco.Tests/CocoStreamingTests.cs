using System.Text;
using DiMaskDino.Coco;

namespace DiMaskDino.Coco.Tests;

/// <summary>
/// Results and ground truth are parsed from streams: a non-seekable stream works, and a long run of whitespace costs
/// no memory (the reader's allocations stay a small fraction of the stream's length), so the size of a file is no limit.
/// </summary>
public sealed class CocoStreamingTests
{
    private const long Whitespace = 300L * 1024 * 1024;

    // Far below the whitespace: what reading two detections or a small dataset may allocate, buffers included.
    private const long AllocationBudget = 32L * 1024 * 1024;

    [Fact]
    public void Detections_separated_by_300_MiB_of_whitespace_are_read_from_a_non_seekable_stream()
    {
        using var stream = new GeneratedJsonStream(
            """[{"image_id": 1, "category_id": 3, "bbox": [1, 2, 3, 4], "score": 0.9},""",
            Whitespace,
            """{"image_id": 2, "category_id": 3, "bbox": [5, 6, 7, 8], "score": 0.25}]""");

        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var detections = CocoFiles.ReadDetections(stream, "dt.json");
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        Assert.Equal(stream.Length, stream.Position); // read to the end
        Assert.Equal([1L, 2L], detections.Select(detection => detection.ImageId));
        Assert.Equal([0.9, 0.25], detections.Select(detection => detection.Score));
        Assert.True(allocated < AllocationBudget, $"reading allocated {allocated:N0} bytes for {stream.Length:N0} bytes of mostly whitespace");
    }

    [Fact]
    public void A_dataset_with_300_MiB_of_whitespace_between_its_sections_is_read_from_a_non_seekable_stream()
    {
        using var stream = new GeneratedJsonStream(
            """{"images": [{"id": 1, "width": 20, "height": 10, "file_name": "a.jpg"}],""",
            Whitespace,
            """
            "categories": [{"id": 3, "name": "cat"}],
            "annotations": [{"id": 10, "image_id": 1, "category_id": 3, "segmentation": [[1, 1, 5, 1, 5, 5]], "area": 8, "bbox": [1, 1, 4, 4], "iscrowd": 0}]}
            """);

        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var dataset = CocoFiles.ReadDataset(stream, "gt.json");
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        Assert.Equal(10, Assert.Single(dataset.Annotations).Id);
        Assert.Equal("a.jpg", Assert.Single(dataset.Images).FileName);
        Assert.True(allocated < AllocationBudget, $"reading allocated {allocated:N0} bytes for {stream.Length:N0} bytes of mostly whitespace");
    }

    [Fact]
    public void An_error_after_the_whitespace_still_names_the_stream_the_json_path_and_the_line()
    {
        using var stream = new GeneratedJsonStream("""[{"image_id": 1, "category_id": 3, "bbox": [1, 2, 3, 4], "score": 0.9},""", 8L * 1024 * 1024,
            """{"image_id": 2, "category_id": 3, "bbox": [5, 6, 7, 8], "score": "high"}]""");

        var error = Assert.Throws<CocoFormatException>(() => CocoFiles.ReadDetections(stream, "dt.json"));

        Assert.Equal("dt.json", error.File);
        Assert.StartsWith("dt.json: $[1].score: ", error.Message, StringComparison.Ordinal);
        // The run held 128 newlines (one per 64 KiB), most of them cut before parsing: the line is the file's.
        Assert.Contains("(line 129, byte ", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// <paramref name="head"/>, then <paramref name="whitespace"/> bytes of spaces with a newline every 64 KiB, then
    /// <paramref name="tail"/>: produced as it is read (nothing held), not seekable, like a pipe.
    /// </summary>
    private sealed class GeneratedJsonStream(string head, long whitespace, string tail) : Stream
    {
        private readonly byte[] _head = Encoding.UTF8.GetBytes(head);
        private readonly byte[] _tail = Encoding.UTF8.GetBytes(tail);
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => _head.Length + whitespace + _tail.Length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var written = 0;
            while (written < buffer.Length && _position < Length)
            {
                var target = buffer[written..];
                int n;
                if (_position < _head.Length)
                {
                    n = Copy(_head.AsSpan((int)_position), target);
                }
                else if (_position < _head.Length + whitespace)
                {
                    var offset = _position - _head.Length;
                    n = (int)Math.Min(target.Length, whitespace - offset);
                    target[..n].Fill((byte)' ');
                    for (var i = 0; i < n; i++)
                    {
                        if ((offset + i) % 65536 == 65535)
                        {
                            target[i] = (byte)'\n';
                        }
                    }
                }
                else
                {
                    n = Copy(_tail.AsSpan((int)(_position - _head.Length - whitespace)), target);
                }

                written += n;
                _position += n;
            }

            return written;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private static int Copy(ReadOnlySpan<byte> source, Span<byte> target)
        {
            var n = Math.Min(source.Length, target.Length);
            source[..n].CopyTo(target);
            return n;
        }
    }
}

// Own tests of encoding and the compressed string format: round trips and rejection of malformed input.

using DiMaskDino.Coco.Masks;

namespace DiMaskDino.Coco.Tests.Masks;

public sealed class RleCodecTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 3)]
    [InlineData(40, 60)]
    [InlineData(300, 200)]
    [InlineData(1, 500)]
    public void Random_masks_round_trip_through_the_compressed_string(int height, int width)
    {
        var random = new Random(height * 1000 + width);
        for (int trial = 0; trial < 20; trial++)
        {
            byte[] bits = RandomMasks.Blobs(random, height, width, rectangles: trial % 5, noise: trial % 3 * 0.01);

            RleMask encoded = Rle.Encode(bits, height, width);
            RleMask parsed = Rle.FromCompressedString(Rle.ToCompressedString(encoded), height, width);

            Assert.Equal(encoded.Counts.ToArray(), parsed.Counts.ToArray());
            var decoded = new byte[height * width];
            Rle.Decode(parsed, decoded);
            Assert.Equal(bits, decoded);
            Assert.Equal(bits.Sum(b => (long)b), parsed.Area);
        }
    }

    [Fact]
    public void Long_runs_and_negative_differences_round_trip()
    {
        // Runs of very different lengths force multi-character values and negative deltas (run i minus run i-2).
        uint[] counts = [0, 5, 1_000_000, 3, 1, 2_000_000, 17, 1, 999_973];
        RleMask mask = Rle.FromUncompressed(counts, 1000, 4000);

        string text = Rle.ToCompressedString(mask);

        Assert.Equal(counts, Rle.FromCompressedString(text, 1000, 4000).Counts.ToArray());
    }

    [Fact]
    public void Encode_treats_any_nonzero_byte_as_foreground()
    {
        RleMask mask = Rle.Encode([0, 2, 255, 0, 1], 5, 1);

        Assert.Equal([1u, 2, 1, 1], mask.Counts.ToArray());
    }

    [Fact]
    public void Zero_sized_mask_encodes_to_a_single_empty_run()
    {
        RleMask mask = Rle.Encode([], 0, 7);

        Assert.Equal([0u], mask.Counts.ToArray());
        Assert.Equal("0", Rle.ToCompressedString(mask));
        Assert.Equal(default, mask.Bounds);
    }

    [Theory]
    [InlineData("S1 ", "character")] // space
    [InlineData("S/", "character")] // below '0'
    [InlineData("Sp", "character")] // above 'o'
    [InlineData("S1é", "character")]
    [InlineData("0h", "ends in the middle")] // 'h' carries the continuation bit
    [InlineData("h3h", "ends in the middle")]
    [InlineData("T3", "add up")] // 100 pixels, not 35
    [InlineData("", "add up")]
    [InlineData("ooooooo1", "more than 7")]
    public void Malformed_compressed_string_is_a_FormatException(string counts, string message)
    {
        var error = Assert.Throws<FormatException>(() => Rle.FromCompressedString(counts, 5, 7));

        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Compressed_string_with_a_negative_run_is_a_FormatException()
    {
        // Runs 1, 1, 1, then a delta of -2 relative to run 1: -1.
        string counts = Rle.ToCompressedString(Rle.FromUncompressed([1, 1, 1, 1], 2, 2))[..3] + "N";

        var error = Assert.Throws<FormatException>(() => Rle.FromCompressedString(counts, 2, 2));

        Assert.Contains("outside", error.Message);
    }

    [Fact]
    public void Constructor_rejects_runs_that_do_not_cover_the_mask()
    {
        Assert.Throws<ArgumentException>(() => new RleMask(4, 5, [3, 2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RleMask(-1, 5, []));
        Assert.Throws<ArgumentException>(() => Rle.FromUncompressed([1, 2, 3], 2, 2));
    }

    [Fact]
    public void Constructor_copies_the_counts()
    {
        uint[] counts = [3, 2, 15];
        var mask = new RleMask(4, 5, counts);
        counts[1] = 7;

        Assert.Equal(2, mask.Area);
        Assert.Equal(2u, mask.Counts[1]);
    }

    [Fact]
    public void Empty_mask_is_one_background_run()
    {
        RleMask mask = RleMask.Empty(6, 4);

        Assert.Equal([24u], mask.Counts.ToArray());
        Assert.Equal(0, mask.Area);
        Assert.Equal(default, mask.Bounds);
    }
}

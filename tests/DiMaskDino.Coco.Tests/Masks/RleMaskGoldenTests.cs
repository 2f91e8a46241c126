// rle.json "masks" and "uncompressed": encoding, compressed strings, decoding, area and toBbox.

using System.Text.Json;
using DiMaskDino.Coco.Masks;
using static DiMaskDino.Coco.Tests.Masks.RleGolden;

namespace DiMaskDino.Coco.Tests.Masks;

public sealed class RleMaskGoldenTests
{
    public static TheoryData<int> Masks => Indices("masks");

    public static TheoryData<int> Uncompressed => Indices("uncompressed");

    [Theory]
    [MemberData(nameof(Masks))]
    public void Encode_of_golden_bits_gives_pycocotools_counts(int index)
    {
        JsonElement golden = Entry("masks", index);
        int h = Int(golden, "h"), w = Int(golden, "w");
        string bits = String(golden, "bits");

        RleMask fromColumns = Rle.Encode(ColumnMajorBits(bits, h, w), h, w);
        RleMask fromRows = Rle.EncodeRowMajor(RowMajorBits(bits), h, w);

        uint[] expected = Uints(golden.GetProperty("counts_uncompressed"));
        Assert.Equal(expected, fromColumns.Counts.ToArray());
        Assert.Equal(expected, fromRows.Counts.ToArray());
        Assert.Equal(String(golden, "counts"), Rle.ToCompressedString(fromColumns));
        Assert.Equal((h, w), (fromColumns.Height, fromColumns.Width));
    }

    [Theory]
    [MemberData(nameof(Masks))]
    public void Compressed_string_decodes_to_golden_bits_area_and_bbox(int index)
    {
        JsonElement golden = Entry("masks", index);
        int h = Int(golden, "h"), w = Int(golden, "w");

        RleMask mask = Rle.FromCompressedString(String(golden, "counts"), h, w);

        Assert.Equal(Uints(golden.GetProperty("counts_uncompressed")), mask.Counts.ToArray());
        Assert.Equal(golden.GetProperty("area").GetInt64(), mask.Area);
        Assert.Equal(Box(golden.GetProperty("bbox")), mask.Bounds);
        var decoded = new byte[h * w];
        Rle.Decode(mask, decoded);
        Assert.Equal(ColumnMajorBits(String(golden, "bits"), h, w), decoded);
    }

    [Theory]
    [MemberData(nameof(Uncompressed))]
    public void Uncompressed_counts_are_kept_as_given(int index)
    {
        JsonElement golden = Entry("uncompressed", index);
        int h = Int(golden, "h"), w = Int(golden, "w");
        uint[] counts = Uints(golden.GetProperty("counts_uncompressed"));

        RleMask mask = Rle.FromUncompressed(counts, h, w);

        Assert.Equal(counts, mask.Counts.ToArray());
        Assert.Equal(String(golden, "counts"), Rle.ToCompressedString(mask));
        Assert.Equal(golden.GetProperty("area").GetInt64(), mask.Area);
        Assert.Equal(Box(golden.GetProperty("bbox")), mask.Bounds);
        var decoded = new byte[h * w];
        Rle.Decode(mask, decoded);
        Assert.Equal(ColumnMajorBits(String(golden, "bits"), h, w), decoded);

        // The string form round-trips the non-canonical runs too.
        Assert.Equal(counts, Rle.FromCompressedString(String(golden, "counts"), h, w).Counts.ToArray());
    }
}

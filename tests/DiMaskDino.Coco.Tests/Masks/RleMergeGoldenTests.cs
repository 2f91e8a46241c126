// rle.json "merge": mask.merge of named masks, union and intersection.

using System.Text.Json;
using DiMaskDino.Coco.Masks;
using static DiMaskDino.Coco.Tests.Masks.RleGolden;

namespace DiMaskDino.Coco.Tests.Masks;

public sealed class RleMergeGoldenTests
{
    public static TheoryData<int> Merges => Indices("merge");

    [Theory]
    [MemberData(nameof(Merges))]
    public void Merge_matches_pycocotools(int index)
    {
        JsonElement golden = Entry("merge", index);
        RleMask[] inputs = golden.GetProperty("inputs").EnumerateArray().Select(n => LoadMask(n.GetString()!)).ToArray();

        RleMask merged = Rle.Merge(inputs, intersect: Int(golden, "intersect") != 0);

        Assert.Equal(String(golden, "counts"), Rle.ToCompressedString(merged));
        Assert.Equal(golden.GetProperty("area").GetInt64(), merged.Area);
    }
}

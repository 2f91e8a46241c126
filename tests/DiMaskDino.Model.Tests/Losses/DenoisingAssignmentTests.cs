// Fixed DN assignment (model.md §8.4).
using DiMaskDino.Model.Losses;

namespace DiMaskDino.Model.Tests.Losses;

public sealed class DenoisingAssignmentTests
{
    [Fact]
    public void Slot_g_times_pad_plus_j_is_matched_to_gt_j_in_every_group()
    {
        var matches = DenoisingAssignment.Build([2, 0, 3], groups: 2, slotsPerGroup: 3);

        Assert.Equal([0, 1, 3, 4], matches[0].Queries);
        Assert.Equal([0, 1, 0, 1], matches[0].Targets);
        Assert.Equal(0, matches[1].Count);
        Assert.Equal([0, 1, 2, 3, 4, 5], matches[2].Queries);
        Assert.Equal([0, 1, 2, 0, 1, 2], matches[2].Targets);
    }

    [Fact]
    public void More_objects_than_slots_is_an_error()
    {
        Assert.Throws<ArgumentException>(() => DenoisingAssignment.Build([4], groups: 1, slotsPerGroup: 3));
    }
}

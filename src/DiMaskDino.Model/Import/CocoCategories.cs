// COCO 2017's 80 thing categories in the contiguous order detectron2 trains on (logit index c ↔ the c-th entry) with
// COCO's own category ids (1–90 with gaps), so labels evaluate directly against instances_val2017.json.

using DiMaskDino.Model.Training;

namespace DiMaskDino.Model.Import;

public static class CocoCategories
{
    public static IReadOnlyList<CheckpointCategory> All { get; } =
    [
        new(1, "person"), new(2, "bicycle"), new(3, "car"), new(4, "motorcycle"), new(5, "airplane"), new(6, "bus"),
        new(7, "train"), new(8, "truck"), new(9, "boat"), new(10, "traffic light"), new(11, "fire hydrant"), new(13, "stop sign"),
        new(14, "parking meter"), new(15, "bench"), new(16, "bird"), new(17, "cat"), new(18, "dog"), new(19, "horse"),
        new(20, "sheep"), new(21, "cow"), new(22, "elephant"), new(23, "bear"), new(24, "zebra"), new(25, "giraffe"),
        new(27, "backpack"), new(28, "umbrella"), new(31, "handbag"), new(32, "tie"), new(33, "suitcase"), new(34, "frisbee"),
        new(35, "skis"), new(36, "snowboard"), new(37, "sports ball"), new(38, "kite"), new(39, "baseball bat"),
        new(40, "baseball glove"), new(41, "skateboard"), new(42, "surfboard"), new(43, "tennis racket"), new(44, "bottle"),
        new(46, "wine glass"), new(47, "cup"), new(48, "fork"), new(49, "knife"), new(50, "spoon"), new(51, "bowl"),
        new(52, "banana"), new(53, "apple"), new(54, "sandwich"), new(55, "orange"), new(56, "broccoli"), new(57, "carrot"),
        new(58, "hot dog"), new(59, "pizza"), new(60, "donut"), new(61, "cake"), new(62, "chair"), new(63, "couch"),
        new(64, "potted plant"), new(65, "bed"), new(67, "dining table"), new(70, "toilet"), new(72, "tv"), new(73, "laptop"),
        new(74, "mouse"), new(75, "remote"), new(76, "keyboard"), new(77, "cell phone"), new(78, "microwave"), new(79, "oven"),
        new(80, "toaster"), new(81, "sink"), new(82, "refrigerator"), new(84, "book"), new(85, "clock"), new(86, "vase"),
        new(87, "scissors"), new(88, "teddy bear"), new(89, "hair drier"), new(90, "toothbrush"),
    ];
}

using System.CommandLine;
using DiMaskDino.Cli.Commands;
using DiMaskDino.Hosting;

var root = new RootCommand("DiMaskDino.Batch: pre-label image datasets with DI-MaskDINO and measure them with pycocotools-exact COCO evaluation.")
{
    EvalCommand.Create(),
    PredictCommand.Create(),
    BenchCommand.Create(),
    LabelCommand.Create(),
    ExportCommand.Create(),
};

return await CommandLineHost.RunAsync(root, args);

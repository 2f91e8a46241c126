using System.CommandLine;
using DiMaskDino.Hosting;
using DiMaskDino.Training.Commands;

var root = new RootCommand("DiMaskDino.Batch training host: synthetic data, DI-MaskDINO training, checkpoints and ONNX export.")
{
    SynthCommand.Create(),
    TrainCommand.Create(),
    ExportCommand.Create(),
    EvaluateCommand.Create(),
    BenchCommand.Create(),
    ImportCommand.Create(),
};

return await CommandLineHost.RunAsync(root, args);

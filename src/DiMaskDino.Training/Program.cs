using System.CommandLine;
using DiMaskDino.Training.Commands;

var root = new RootCommand("DiMaskDino.Batch training host: synthetic data, DI-MaskDINO training and checkpoints.")
{
    SynthCommand.Create(),
    TrainCommand.Create(),
};

return await root.Parse(args).InvokeAsync();

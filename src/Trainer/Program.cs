namespace Solver.Trainer;

public static class Program
{
    public static int Main(string[] args) => TrainerCli.Run(args);
}

// The table of every training setting (SettingTable.h). An entry says what the setting is for people
// (label, help, the subject of validate()'s sentences), which values it takes, and where it lives in
// TrainingConfig; everything else (the project file, `--set`, checks, the GUI) follows from it.

#include "core/project/SettingTable.h"
#include "core/project/detail/SettingEntry.h"

#include <limits>

namespace attune {
namespace {

using namespace setting_entry;

std::vector<SettingInfo> buildTable() {
  constexpr int kMaxEpochs = 10000;
  constexpr int kMaxPatience = 1000;
  std::vector<SettingInfo> t;
  t.push_back(member("model.architecture", &TrainingConfig::architecture)
                  .label("Model")
                  .subject("The model architecture")
                  .help("The network that learns your classes."));
  t.push_back(member("model.weights", &TrainingConfig::weightsPath)
                  .label("Pre-trained weights")
                  .subject("The pre-trained weights")
                  .help("Weights the model learned before on a large image collection: ImageNet weights from "
                        "Attune's catalog, or a file (.safetensors, PyTorch .pth, a TF.js model.json). "
                        "Training then only adapts what the model already knows."));
  t.push_back(member("model.input_size", &TrainingConfig::inputSize)
                  .label("Input size")
                  .subject("The input size in pixels")
                  .range(16, 1024)
                  .step(32)
                  .lowestMeans("the model's own size")
                  .help("The side, in pixels, every image is resized to. Smaller is faster; the model's own "
                        "size usually gives the best accuracy."));
  t.push_back(member("model.cut_layer", &TrainingConfig::cutLayer)
                  .label("Cut layer (TF.js models)")
                  .subject("The cut layer")
                  .help("TF.js models only: the name of the layer the new last layer follows. Empty: Attune "
                        "chooses."));
  t.push_back(member("model.head_dropout", &TrainingConfig::headDropout)
                  .label("Dropout before the new layer")
                  .subject("The dropout before the new layer")
                  .range(0, 1)
                  .belowMax()
                  .decimals(2, 0.05)
                  .help("Hides this share of the features from the new last layer at random while training, "
                        "so it cannot rely on a few of them. Try 0.2-0.5 when the model learns the training "
                        "images by heart (training accuracy far above validation accuracy)."));
  t.push_back(member("model.max_tokens", &TrainingConfig::maxTokens)
                  .label("Text length (tokens)")
                  .subject("The text length in tokens")
                  .range(4, 8192)
                  .step(32)
                  .help("Text models: every text is cut to this many tokens (words or parts of words). "
                        "Longer keeps more of each text and trains more slowly."));
  t.push_back(textChoice("model.word_pooling", &TrainingConfig::wordPooling,
                         {{QStringLiteral("mean"), QStringLiteral("average")},
                          {QStringLiteral("max"), QStringLiteral("strongest")},
                          {QStringLiteral("mean_max"), QStringLiteral("average and strongest")}})
                  .label("Word pooling")
                  .subject("The word pooling")
                  .help("Word-vector models: how the vectors of a text's words become one: their average, "
                        "their strongest values, or both."));
  t.push_back(textChoice("model.word_encoder", &TrainingConfig::wordEncoder,
                         {{QStringLiteral("none"), QStringLiteral("none")},
                          {QStringLiteral("conv"), QStringLiteral("neighbouring words (convolution)")}})
                  .label("Word encoder")
                  .subject("The word encoder")
                  .help("Word-vector models: whether a small layer first reads each word together with its "
                        "neighbours, which notices short phrases such as 'not good'."));
  t.push_back(choice("preset", &TrainingConfig::preset,
                     {option(Preset::Custom, "custom"), option(Preset::Quick, "quick"),
                      option(Preset::Balanced, "balanced"), option(Preset::Thorough, "thorough")})
                  .label("Preset")
                  .subject("The preset")
                  .help("Ready-made settings. Quick trains only the new last layer and is done in minutes; "
                        "Balanced also adapts the pre-trained layers step by step; Thorough trains "
                        "everything for longer. Changing any setting afterwards makes it Custom."));
  t.push_back(member("epochs", &TrainingConfig::epochs)
                  .label("Epochs")
                  .subject("The number of epochs")
                  .range(1, kMaxEpochs)
                  .help("How many times training goes through all your training images."));
  t.push_back(member("batch_size", &TrainingConfig::batchSize)
                  .label("Batch size")
                  .subject("The batch size")
                  .range(1, 4096)
                  .help("How many images the model looks at before each learning step. Larger batches need "
                        "more memory; smaller ones give noisier steps."));
  t.push_back(member("seed", &TrainingConfig::seed)
                  .label("Random seed")
                  .subject("The random seed")
                  .range(0, std::numeric_limits<int>::max())
                  .help("The starting point of every random choice (shuffling, crops). The same number "
                        "gives the same run again; change it to see how much results vary."));
  t.push_back(choice("optim.kind", &TrainingConfig::optimizer,
                     {option(OptimizerKind::AdamW, "adamw"), option(OptimizerKind::Adam, "adam"),
                      option(OptimizerKind::Sgd, "sgd")})
                  .label("Optimizer")
                  .subject("The optimizer")
                  .help("The method that turns errors into weight changes. AdamW works well without "
                        "tuning; Adam is the same with weight decay mixed into the steps; SGD can do "
                        "slightly better with well-chosen learning rates."));
  t.push_back(member("optim.lr_head", &TrainingConfig::lrHead)
                  .label("Learning rate, new layer")
                  .subject("The learning rate of the new layer")
                  .range(0, 10)
                  .aboveMin()
                  .belowMax()
                  .oneTwoFive()
                  .help("How big a step the new last layer (the one that picks your classes) takes when it "
                        "learns. Too high and the loss jumps around; too low and it barely moves."));
  t.push_back(member("optim.lr_backbone", &TrainingConfig::lrBackbone)
                  .label("Learning rate, pre-trained layers")
                  .subject("The learning rate of the pre-trained layers")
                  .range(0, 10)
                  .belowMax()
                  .oneTwoFive()
                  .help("How big a step the pre-trained layers take. Keep it about 10 times smaller than "
                        "the new layer's, so they keep what they already know. 0 leaves them as they "
                        "are."));
  t.push_back(member("optim.momentum", &TrainingConfig::momentum)
                  .label("Momentum")
                  .subject("Momentum")
                  .range(0, 1)
                  .belowMax()
                  .decimals(3, 0.05)
                  .help("SGD only: how much of the previous step carries into the next, which smooths out "
                        "noisy steps. 0.9 suits almost every case."));
  t.push_back(member("optim.weight_decay", &TrainingConfig::weightDecay)
                  .label("Weight decay")
                  .subject("Weight decay")
                  .range(0, 1)
                  .belowMax()
                  .oneTwoFive()
                  .help("Gently pulls the weights towards 0 at every step, which keeps the model simple and "
                        "helps against learning the training images by heart. 0.01 is a good start; 0 "
                        "turns it off."));
  t.push_back(member("optim.nesterov", &TrainingConfig::nesterov)
                  .label("Nesterov momentum")
                  .subject("Nesterov momentum")
                  .help("SGD only: a variant of momentum that looks one step ahead; often slightly "
                        "faster."));
  t.push_back(member("optim.layer_decay", &TrainingConfig::layerDecay)
                  .label("Layer decay")
                  .subject("The layer-wise rate factor")
                  .range(0, 1)
                  .aboveMin()
                  .decimals(2, 0.05)
                  .help("Each group of pre-trained layers learns this many times as fast as the group above "
                        "it, so the layers near the input (general shapes and colours) change least. 1: "
                        "all learn at the pre-trained layers' rate; 0.5-0.8 is common."));
  t.push_back(groupRates()
                  .label("Rates by layer group")
                  .subject("The learning rate of layer group '%1'")
                  .range(0, 10)
                  .belowMax()
                  .oneTwoFive()
                  .help("The model's layers in groups, from the input (top) to the new last layer "
                        "(bottom): how fast each group learns and from which epoch. Greyed groups start "
                        "frozen. Double-click a rate to change it."));
  t.push_back(member("optim.clip_grad_norm", &TrainingConfig::clipGradNorm)
                  .label("Gradient clipping")
                  .subject("The gradient clipping norm")
                  .range(0, 1000)
                  .decimals(2, 0.5)
                  .lowestMeans("off")
                  .help("Limits how large a single learning step can be. Turn it on (1 is usual) when the "
                        "loss suddenly jumps up or becomes 'not a number'. 0: off."));
  t.push_back(member("optim.accumulate", &TrainingConfig::accumulateSteps)
                  .label("Batches per step")
                  .subject("The number of batches per step")
                  .range(1, 1024)
                  .help("Adds up this many batches before each learning step: behaves like a batch this "
                        "many times larger without needing more memory. 1: off."));
  t.push_back(member("optim.find_lr", &TrainingConfig::findLr)
                  .label("Find the learning rate before training")
                  .subject("Finding the learning rate")
                  .help("Before training starts, try rates from tiny to huge for a minute and use the one "
                        "where the model learns fastest for the new layer; the other groups keep their "
                        "ratios to it."));
  t.push_back(
      choice("schedule.kind", &TrainingConfig::schedule,
             {option(ScheduleKind::WarmupCosine, "cosine"), option(ScheduleKind::WarmupLinear, "linear"),
              option(ScheduleKind::OneCycle, "onecycle"), option(ScheduleKind::Step, "step"),
              option(ScheduleKind::Plateau, "plateau"), option(ScheduleKind::Constant, "constant")})
          .label("Schedule")
          .subject("The schedule")
          .help("How the learning rate changes during the run. Warm-up then cosine works well in "
                "most cases: it starts gently, then slows down towards the end so the model "
                "settles."));
  t.push_back(member("schedule.warmup_fraction", &TrainingConfig::warmupFraction)
                  .label("Warm-up")
                  .subject("The warm-up share of the run")
                  .range(0, 0.5)
                  .decimals(3, 0.01)
                  .help("The share of the run during which the rate rises slowly from near 0, so the new "
                        "layer does not upset the pre-trained ones at the start."));
  t.push_back(member("schedule.step_every", &TrainingConfig::stepEvery)
                  .label("Cut the rate every")
                  .subject("The number of epochs between the step schedule's cuts")
                  .range(1, kMaxEpochs)
                  .help("Step decay: the rate is cut every this many epochs."));
  t.push_back(member("schedule.gamma", &TrainingConfig::gamma)
                  .label("Cut factor")
                  .subject("The schedule's cut factor")
                  .range(0, 1)
                  .aboveMin()
                  .belowMax()
                  .decimals(2, 0.05)
                  .help("Step decay and cut on plateau: each cut multiplies the rate by this (0.1: ten "
                        "times smaller)."));
  t.push_back(member("schedule.plateau_patience", &TrainingConfig::plateauPatience)
                  .label("Cut after no improvement for")
                  .subject("The plateau schedule's patience in epochs")
                  .range(1, kMaxPatience)
                  .help("Cut on plateau: the rate is cut after this many epochs in which the validation "
                        "loss did not improve."));
  t.push_back(freezeBackbone()
                  .label("Freeze the pre-trained layers")
                  .subject("Freezing the pre-trained layers")
                  .help("Train only the new last layer (at first, if gradual unfreezing is on in the Layers "
                        "tab). Faster and safer with few images, but the model cannot adapt its features "
                        "to your pictures."));
  t.push_back(member("freeze.groups", &TrainingConfig::freezeGroups)
                  .label("Frozen at the start")
                  .subject("The number of frozen layer groups")
                  .range(0, 64)
                  .lowestMeans("none")
                  .help("How many groups of pre-trained layers start frozen (not learning), counted from the "
                        "input. Freezing keeps what the model learned on millions of photos; unfreeze when "
                        "you have more data. 0: all learn."));
  t.push_back(member("freeze.unfreeze_every", &TrainingConfig::unfreezeEvery)
                  .label("Unfreeze one group every")
                  .subject("The number of epochs between unfreezing steps")
                  .range(0, kMaxEpochs)
                  .lowestMeans("off")
                  .help("Gradual unfreezing: every this many epochs one more frozen group starts learning, "
                        "from the top down. It lets the new layer settle before the pre-trained layers "
                        "change. 0: off."));
  t.push_back(member("freeze.unfreeze_at", &TrainingConfig::unfreezeAt)
                  .label("… or at epochs")
                  .subject("Each unfreezing epoch")
                  .range(1, kMaxEpochs)
                  .help("Instead of a fixed rhythm: the epochs at which one more frozen group starts "
                        "learning, separated by commas. Leave empty to use the setting above."));
  t.push_back(member("loss.label_smoothing", &TrainingConfig::labelSmoothing)
                  .label("Label smoothing")
                  .subject("Label smoothing")
                  .range(0, 1)
                  .belowMax()
                  .decimals(2, 0.05)
                  .help("Teaches the model not to be 100% sure: it helps when some images are labelled "
                        "wrongly or classes look alike. 0.1 is usual; 0 turns it off."));
  t.push_back(member("loss.l2sp", &TrainingConfig::l2sp)
                  .label("Keep close to pre-trained (L2-SP)")
                  .subject("The L2-SP strength")
                  .range(0, 100)
                  .belowMax()
                  .oneTwoFive()
                  .help("L2-SP: pulls the pre-trained layers back towards what they knew before, so "
                        "fine-tuning on a few images does not make them forget. Try 0.01-0.1 with small "
                        "datasets; 0 turns it off."));
  t.push_back(choice("loss.class_balance", &TrainingConfig::classBalance,
                     {option(ClassBalance::Auto, "auto"), option(ClassBalance::Off, "off"),
                      option(ClassBalance::WeightedLoss, "weighted_loss"),
                      option(ClassBalance::BalancedSampling, "balanced_sampling")})
                  .label("Class balance")
                  .subject("The class balance")
                  .help("What to do when some classes have many more images than others. Automatic weighs "
                        "the rare classes more when the largest class has 3 times the images of the "
                        "smallest."));
  t.push_back(choice("early_stop.metric", &TrainingConfig::monitor,
                     {{MonitorMetric::ValAccuracy, "val_accuracy", QStringLiteral("validation accuracy")},
                      {MonitorMetric::ValLoss, "val_loss", QStringLiteral("validation loss")}})
                  .label("Best epoch by")
                  .subject("The figure that picks the best epoch")
                  .help("Which validation figure picks the best epoch and decides early stopping. Accuracy "
                        "counts right answers; the loss also notices when the model becomes less sure."));
  t.push_back(member("early_stop.patience", &TrainingConfig::patience)
                  .label("Stop early after")
                  .subject("Early stopping's patience in epochs")
                  .range(0, kMaxPatience)
                  .lowestMeans("off")
                  .help("Early stopping: end the run when the figure above has not improved for this many "
                        "epochs, and keep the best model. Saves time when you set many epochs. 0: never "
                        "stop early."));
  t.push_back(member("early_stop.min_delta", &TrainingConfig::minDelta)
                  .label("Smallest improvement")
                  .subject("Early stopping's least improvement")
                  .range(0, 1000)
                  .decimals(4, 0.001)
                  .help("Early stopping: the smallest change that counts as an improvement (0.01 = one "
                        "point of accuracy)."));
  t.push_back(member("kfold.folds", &TrainingConfig::folds)
                  .label("Cross-validation folds")
                  .subject("The number of cross-validation folds")
                  .range(1, 20)
                  .lowestMeans("off")
                  .help("k-fold cross-validation: train this many models, each validated on a different "
                        "part of your images, for a more trustworthy accuracy with small datasets. Takes "
                        "this many times longer. 1: off."));
  t.push_back(member("checkpoint.every_epoch", &TrainingConfig::keepEveryEpoch)
                  .label("Keep every epoch's model")
                  .subject("Keeping every epoch's model")
                  .help("Save the model after every epoch, not only the best and the last, so that any "
                        "point of the validation curve can be evaluated later. Uses disk space: one model "
                        "per epoch."));
  t.push_back(member("augment.random_resized_crop", &TrainingConfig::randomResizedCrop)
                  .label("Random crop")
                  .subject("Random cropping")
                  .help("Show the model a randomly cut and zoomed part of each image, different every time, "
                        "so it learns the object rather than the exact picture."));
  t.push_back(member("augment.horizontal_flip", &TrainingConfig::horizontalFlip)
                  .label("Horizontal flip")
                  .subject("Horizontal flipping")
                  .help("Mirror images left-right at random. Turn off when left and right matter (text, "
                        "arrows)."));
  t.push_back(member("runtime.threads", &TrainingConfig::threads)
                  .label("Processor threads")
                  .subject("The number of processor threads")
                  .range(1, 1024)
                  .lowestMeans("all cores")
                  .help("How many processor cores the computation uses. Lower it to keep the computer "
                        "responsive for other work."));
  t.push_back(member("runtime.loader_workers", &TrainingConfig::loaderWorkers)
                  .label("Image loaders")
                  .subject("The number of threads that prepare images")
                  .range(1, 64)
                  .lowestMeans("automatic")
                  .help("How many helpers read and prepare images while the model trains. Automatic "
                        "starts with half the cores and adds helpers while the model waits for its "
                        "images; a number of your own helps with large images on slow disks."));
  t.push_back(member("runtime.max_bad_steps", &TrainingConfig::maxBadSteps)
                  .label("Failed steps before stopping")
                  .subject("The number of failed steps in a row a run allows")
                  .range(1, 1000)
                  .help("How many learning steps in a row may fail (the loss becomes 'not a number') before "
                        "the run stops. Failed steps are skipped until then."));
  t.push_back(choice("runtime.precision", &TrainingConfig::precision,
                     {{Precision::Float32, "float32", QStringLiteral("float32 (exact)")},
                      {Precision::BFloat16, "bfloat16", QStringLiteral("bfloat16 (faster)")},
                      {Precision::Auto, "auto", QStringLiteral("automatic")}})
                  .label("Precision")
                  .subject("The precision")
                  .help("The number format of the computation. bfloat16 is faster and uses less memory on "
                        "processors that support it, at a tiny cost in accuracy. Automatic times both on a "
                        "few images when a run starts and uses bfloat16 only if it is faster for this "
                        "model on this computer (always on a GPU); the run's log shows the times."));
  t.push_back(choice("runtime.feature_cache", &TrainingConfig::featureCache,
                     {{FeatureCacheMode::Auto, "auto", QStringLiteral("automatic")},
                      {FeatureCacheMode::Off, "off", QStringLiteral("off")}})
                  .label("Feature cache")
                  .subject("The feature cache")
                  .help("While the pre-trained layers are frozen and augmentation is off, compute what they "
                        "see in each image once and reuse it: much faster. Turn off only to save memory."));
  return t;
}

}  // namespace

const std::vector<SettingInfo>& settingInfos() {
  static const std::vector<SettingInfo> kTable = buildTable();
  return kTable;
}

}  // namespace attune

"""The course: every lesson's slug, title, intro and learning goals, in teaching order, and the
one registry of lesson modules and their exercises.

Pure Python on purpose (no Panel import at import time): ``build.py`` renders this into the static
page so the lesson list, title and intro paint before Python has booted in the browser.

A lesson is a module ``app/lessons/<module>.py`` that declares ``SECTIONS`` (functions that each
build one or more steps of the page) and ``EXERCISES`` (``ExerciseInfo`` data); adding a lesson is
that module plus one ``LessonInfo`` line below. Modules are imported on first use, so only the
lesson a student opens costs start-up time.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from types import ModuleType


@dataclass(frozen=True)
class LessonInfo:
    slug: str
    title: str
    intro: str
    goals: tuple[str, ...]
    pipeline_step: str = ""

    @property
    def module(self) -> str:
        """Python module under ``app.lessons`` that implements the lesson."""
        return self.slug.replace("-", "_")


LESSONS: tuple[LessonInfo, ...] = (
    LessonInfo(
        slug="home",
        title="Course map",
        intro=(
            "A convolutional neural network turns an image into a decision in a few simple "
            "steps. Follow the pipeline below: each step opens a lesson where you can change the "
            "numbers and watch a real NumPy engine, running inside your browser, recompute them."
        ),
        goals=(
            "See the whole CNN pipeline at a glance: image, convolution, ReLU, pooling, dense "
            "layer, softmax, loss.",
            "Pick the lesson for the step you want to understand.",
        ),
    ),
    LessonInfo(
        slug="entropy",
        title="Entropy",
        intro=(
            "How uncertain is a guess? Entropy measures it in bits. Three containers of "
            "triangles and circles show why a 50-50 mix is the most uncertain and a sure thing "
            "carries no surprise at all."
        ),
        goals=(
            "Compute the Shannon entropy of a discrete distribution in bits and in nats.",
            "Explain why the uniform distribution has maximal entropy and a certain outcome zero.",
            "Reproduce the lecture's three containers: 0.5665, 0.9968 and 0.2108 bits.",
        ),
        pipeline_step="loss",
    ),
    LessonInfo(
        slug="cross-entropy",
        title="Cross-entropy loss",
        intro=(
            "A classifier's prediction is a probability for every class; the truth is one class. "
            "Cross-entropy charges the model −log of the probability it gave the right answer, "
            "so confident mistakes cost the most."
        ),
        goals=(
            "Compute categorical cross-entropy for a one-hot target and read why only the true "
            "class contributes.",
            "Follow the dog example as training moves the prediction from 0.775 to 0.938.",
            "Use binary cross-entropy averaged over N data points, in bits or nats.",
        ),
        pipeline_step="loss",
    ),
    LessonInfo(
        slug="softmax",
        title="Softmax vs standard normalization",
        intro=(
            "The last layer of a network outputs raw scores (logits). Softmax turns them into "
            "probabilities with exponentials; dividing by the sum looks simpler, but it breaks on "
            "negative scores and ignores how large the scores are."
        ),
        goals=(
            "Compute softmax by hand for the lecture's logits [3.2, 1.3, 0.2, 0.8].",
            "Compare softmax with plain normalization when scores are scaled or negative.",
            "See how a temperature sharpens or flattens the distribution.",
        ),
        pipeline_step="softmax",
    ),
    LessonInfo(
        slug="encoding",
        title="Integer and one-hot encoding",
        intro=(
            "Labels like dog, cat and horse must become numbers before a network can learn from "
            "them. Integer codes suit ordered categories; one-hot vectors suit names without an "
            "order and plug straight into cross-entropy."
        ),
        goals=(
            "Tell ordinal from nominal data and choose integer or one-hot encoding.",
            "See the false order and distances that integer codes invent for nominal classes.",
            "Build the one-hot matrix for a small table and use it as a cross-entropy target.",
        ),
        pipeline_step="loss",
    ),
    LessonInfo(
        slug="why-convolutions",
        title="Why convolutions?",
        intro=(
            "To a computer a picture is an h × w × d array of numbers. A fully connected layer "
            "gives every one of them a weight per hidden unit, far too many for real images; a "
            "convolution looks at small windows and reuses one kernel everywhere."
        ),
        goals=(
            "Read an image as an h × w × d array: the lecture's 6 × 6 × 3 RGB and 4 × 4 × 1 "
            "grayscale examples.",
            "Tell classification from object detection.",
            "Count a dense first layer's weights (784 · 30 = 23,520) against a convolution's.",
            "See a local receptive field, sparse connectivity and weight sharing unit by unit.",
        ),
        pipeline_step="image",
    ),
    LessonInfo(
        slug="convolution-operation",
        title="Convolution as an operation",
        intro=(
            "Before it was a layer, convolution was an operation on two functions: reflect one, "
            "slide it along the other, and integrate the product at every shift. Watch the "
            "lecture's four steps, then check its properties on signals you type."
        ),
        goals=(
            "Follow the four steps: dummy variable, reflect, shift, integrate the product.",
            "Compute a discrete convolution (f * g)[n] = Σ f[k] g[n − k] by hand.",
            "Check commutativity, associativity, distributivity, f * 0 = 0 and f * δ = f.",
            "See blur as a convolution and connect it to 2-D convolution and cross-correlation.",
        ),
        pipeline_step="convolution",
    ),
    LessonInfo(
        slug="convolution",
        title="Convolution",
        intro=(
            "A small kernel slides over the image; at every position it multiplies the pixels "
            "under it and adds them up. The result, a feature map, lights up wherever the image "
            "looks like the kernel."
        ),
        goals=(
            "Compute a feature map by hand: the lecture's 5×5 image with a 3×3 kernel.",
            "Apply edge, sharpen and blur kernels to real images and explain what they find.",
            "Tell cross-correlation from true convolution (the 180° flip).",
            "Count the parameters a convolution saves compared with a dense layer.",
        ),
        pipeline_step="convolution",
    ),
    LessonInfo(
        slug="relu",
        title="Non-linearity and ReLU",
        intro=(
            "Stack two linear layers and you get one linear layer: depth alone buys nothing. "
            "A non-linearity between them changes that. ReLU, max(0, x), is the simplest: it "
            "cuts negative responses to zero and lets a network bend its decision boundary."
        ),
        goals=(
            "See the engine collapse two stacked dense layers into one matrix, and a ReLU stop it.",
            "Apply ReLU to a real feature map and read what it cuts.",
            "Train, live, a model that a straight line cannot fit and a ReLU layer can.",
        ),
        pipeline_step="relu",
    ),
    LessonInfo(
        slug="stride-padding",
        title="Stride and padding",
        intro=(
            "Stride decides how far the kernel jumps; padding adds a border of zeros so edges "
            "count as much as the middle. Together they set the size of the output: "
            "⌊(n + 2p − k)/s⌋ + 1."
        ),
        goals=(
            "Compute output sizes with ⌊(n + 2p − k)/s⌋ + 1.",
            "Reproduce the lecture's stride-2 and zero-padding examples.",
            "Choose valid or same padding and spot pixels a stride never visits.",
        ),
        pipeline_step="convolution",
    ),
    LessonInfo(
        slug="pooling",
        title="Pooling",
        intro=(
            "Pooling shrinks a feature map by summarizing each small window with one number: its "
            "maximum, its average or its sum. The network keeps what matters and gets cheaper."
        ),
        goals=(
            "Compute max, average and sum pooling on the lecture's 4×4 example.",
            "Predict the output size for a pooling window and stride.",
            "Trace where the gradient goes through each kind of pooling.",
        ),
        pipeline_step="pooling",
    ),
    LessonInfo(
        slug="fully-connected",
        title="Flatten and the fully connected layer",
        intro=(
            "The last feature maps are flattened into one long vector; a fully connected layer "
            "takes weighted sums of it, one per class, and softmax turns those scores into "
            "probabilities. Follow the shapes through a whole network in the lecture's notation."
        ),
        goals=(
            "Flatten C × H × W feature maps and find where each entry lands in the vector.",
            "Compute a dense unit's output as a weighted sum plus bias, then softmax.",
            "Read a CNN's shapes and parameter counts in the notation l, x^l, o^l = f(x^l).",
        ),
        pipeline_step="dense",
    ),
    LessonInfo(
        slug="backprop",
        title="Backpropagation through a conv layer",
        intro=(
            "Training needs the gradient of the loss with respect to every kernel weight. For a "
            "convolution it is itself a correlation: the layer's input correlated with the error "
            "map δ. Step through it on a tiny example and check it against finite differences."
        ),
        goals=(
            "Derive ∂E/∂w as the input correlated with δ, and ∂E/∂b as the sum of δ.",
            "Compute ∂E/∂input as the full convolution of δ with the rotated kernel.",
            "Verify analytic gradients with finite differences and take gradient steps.",
        ),
        pipeline_step="dense",
    ),
    LessonInfo(
        slug="explorer",
        title="The whole CNN — an explorer",
        intro=(
            "One handwritten digit flows through a small CNN that this site's engine trained: "
            "every channel of every layer, from the pixels to the ten probabilities. Click any "
            "unit to see the numbers it was computed from."
        ),
        goals=(
            "Follow one image through convolution, ReLU, pooling, flatten, dense and softmax.",
            "Recompute any unit from its window: kernel × window + bias, the pool's winner, "
            "the dense dot product, the softmax.",
            "Read every layer's output shape and parameter count.",
        ),
    ),
    LessonInfo(
        slug="trainer",
        title="Train a CNN on MNIST",
        intro=(
            "Build a small CNN, train it on 50,000 handwritten digits right here in your browser, "
            "watch the loss fall and the accuracy climb, then draw a digit and let your own model "
            "read it."
        ),
        goals=(
            "Choose an architecture and hyperparameters and see each layer's output shape.",
            "Train on MNIST in the browser and read loss, accuracy and the confusion matrix.",
            "Inspect learned filters and feature maps, and classify a digit you draw.",
        ),
    ),
)

SLUGS: tuple[str, ...] = tuple(lesson.slug for lesson in LESSONS)
DEFAULT_SLUG = "home"

#: The CNN pipeline drawn on the course map: (step name, lesson slug it links to).
PIPELINE: tuple[tuple[str, str], ...] = (
    ("Image", "why-convolutions"),
    ("Convolution", "convolution"),
    ("ReLU", "relu"),
    ("Pooling", "pooling"),
    ("Dense", "fully-connected"),
    ("Softmax", "softmax"),
    ("Loss", "cross-entropy"),
)


def module(slug: str) -> ModuleType:
    """The lesson's Python module (imported now if it was not yet); ``ModuleNotFoundError`` for a
    lesson that has no module (the course map, a lesson not written yet)."""
    return importlib.import_module(f"app.lessons.{lesson(slug).module}")


@cache
def exercise_ids(slug: str) -> frozenset[str]:
    """The ids of the lesson's exercises, read once from its ``EXERCISES``; a lesson is done
    when all of them are solved (none for a lesson without exercises or without a module)."""
    try:
        declared = module(slug).EXERCISES
    except (ModuleNotFoundError, AttributeError):
        return frozenset()
    return frozenset(item.exercise_id for item in declared)


def following(slug: str) -> str | None:
    """The slug after ``slug`` in course order (the lesson list's next); ``None`` after the
    last lesson. Unknown slugs are the course map, as everywhere."""
    index = SLUGS.index(lesson(slug).slug) + 1
    return SLUGS[index] if index < len(SLUGS) else None


def lesson(slug: str) -> LessonInfo:
    """The lesson for ``slug``; unknown slugs give the course map, like the page's router."""
    for info in LESSONS:
        if info.slug == slug:
            return info
    return LESSONS[0]

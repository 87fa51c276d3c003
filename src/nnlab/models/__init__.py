"""The model zoo, grouped by family; every model is importable from ``nnlab.models`` directly.

- :mod:`nnlab.models.basic`: the perceptron, logistic regression, the MLP;
- :mod:`nnlab.models.vision`: the CNN zoo (LeNet-5, AlexNet, VGG, ResNet, GoogLeNet, MobileNet);
- :mod:`nnlab.models.sequence`: RNN/LSTM models, seq2seq with attention, ELMo, sentiment, trigger words;
- :mod:`nnlab.models.transformers`: the Transformer, GPT, BERT (+ heads), ViT;
- :mod:`nnlab.models.sampling`: the next token from logits (greedy, temperature, top-k, top-p);
- :mod:`nnlab.models.segmentation`: U-Net (with and without skips), FCN-32s/16s/8s.

A new family gets its own subpackage (detection, generative, graph models ...) and one
block of imports here.
"""

from nnlab.models.basic import ACTIVATIONS, MLP, LogisticRegression, Perceptron, PerceptronFit
from nnlab.models import basic as _basic

__all__ = list(_basic.__all__)

# ---- CNN zoo (models/vision/) ----
from nnlab.models.vision import *  # noqa: E402,F401,F403
from nnlab.models import vision as _vision  # noqa: E402
__all__ += _vision.__all__

# ---- recurrent models (models/sequence/) ----
from nnlab.models.sequence import *  # noqa: E402,F401,F403
from nnlab.models import sequence as _sequence  # noqa: E402
__all__ += _sequence.__all__

# ---- transformer models (models/transformers/); BERT's masking and toy world are data (nnlab.data) ----
from nnlab.models.transformers import *  # noqa: E402,F401,F403
from nnlab.models import transformers as _transformers  # noqa: E402
from nnlab.data.masking import mask_tokens  # noqa: E402
from nnlab.data.datasets.bert_world import ToyWorld  # noqa: E402
__all__ += _transformers.__all__ + ["mask_tokens", "ToyWorld"]

# ---- next-token sampling (models/sampling.py) ----
from nnlab.models.sampling import sample_next, sampling_probs  # noqa: E402
__all__ += ["sampling_probs", "sample_next"]

# ---- generative and unsupervised models: autoencoders, VAE, GANs, RBMs, DBNs (models/generative/) ----
from nnlab.models import generative  # noqa: E402,F401

# ---- detection: localization, landmarks, sliding windows, YOLO (models/detection/) ----
from nnlab.models.detection import YOLO, YOLOLoss, WindowClassifier, localization_net, landmark_net  # noqa: E402
__all__ += ["YOLO", "YOLOLoss", "WindowClassifier", "localization_net", "landmark_net"]
from nnlab.models.detection import FasterRCNN, MaskRCNN  # noqa: E402
__all__ += ["FasterRCNN", "MaskRCNN"]

# ---- graph neural networks: GCN node classifier, graph classifier (models/graph/) ----
from nnlab.models.graph import GCN, GraphClassifier  # noqa: E402
__all__ += ["GCN", "GraphClassifier"]

# ---- semantic segmentation: U-Net, FCN (models/segmentation/) ----
from nnlab.models.segmentation import FCN, UNet, fcn8s, fcn16s, fcn32s  # noqa: E402
__all__ += ["UNet", "FCN", "fcn32s", "fcn16s", "fcn8s"]

"""PyTorch programs in PyTorch's idiom, importing nnlab under PyTorch's names: each must train.

Written after PyTorch's official examples and tutorials (the quickstart MLP, the MNIST
CNN, custom autograd Functions and nn.Modules, word-language-model RNN/LSTM/GRU and
Transformer, the character-RNN name classifier, seq2seq with attention, the VAE, DCGAN,
transfer learning with frozen layers, manual SGD under no_grad), shrunk to tiny
synthetic data. The only changes from the originals are the imports (and data sizes);
where nnlab differs (a custom Function's forward/backward receive NumPy arrays; ``.data``
is the array, so ``p.array.add_(...)`` is written ``with torch.no_grad(): p.add_(...)``)
the line says so. Each program asserts that its loss fell by a stated factor.
"""

import copy
import io
import math

import numpy as np

import nnlab as torch
import nnlab.nn.functional as F
from nnlab import nn, optim
from nnlab.optim.lr_scheduler import StepLR
from nnlab.utils.data import DataLoader, Dataset, TensorDataset, random_split

device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"


def _blobs(n=256, d=16, classes=3, seed=0):
    g = np.random.default_rng(seed)
    centers = g.standard_normal((classes, d)) * 2
    y = g.integers(0, classes, n)
    return (centers[y] + g.standard_normal((n, d))).astype(np.float32), y


def test_quickstart_mlp_classifier():
    torch.manual_seed(0)
    X, y = _blobs()
    training_data = TensorDataset(torch.tensor(X), torch.tensor(y))
    train_dataloader = DataLoader(training_data, batch_size=32, shuffle=True)

    class NeuralNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 3))

        def forward(self, x):
            x = self.flatten(x)
            return self.linear_relu_stack(x)

    model = NeuralNetwork().to(device)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-1)

    def test(dataloader, model, loss_fn):
        model.eval()
        test_loss, correct = 0, 0
        with torch.no_grad():
            for X, y in dataloader:
                X, y = X.to(device), y.to(device)
                pred = model(X)
                test_loss += loss_fn(pred, y).item()
                correct += (pred.argmax(1) == y).type(torch.float).sum().item()
        return test_loss / len(dataloader), correct / len(dataloader.dataset)

    before, _ = test(train_dataloader, model, loss_fn)
    for t in range(5):
        model.train()
        for batch, (X, y) in enumerate(train_dataloader):
            X, y = X.to(device), y.to(device)
            pred = model(X)
            loss = loss_fn(pred, y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
    after, accuracy = test(train_dataloader, model, loss_fn)
    assert after < before / 4 and accuracy > 0.9


def test_mnist_style_cnn_with_adadelta_and_steplr():
    torch.manual_seed(1)
    g = np.random.default_rng(1)
    y = g.integers(0, 2, 64)
    X = g.standard_normal((64, 1, 12, 12)).astype(np.float32) * 0.3
    X[y == 1, :, 3:9, 5:7] += 2.0  # class 1 has a vertical bar

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 8, 3, 1)
            self.conv2 = nn.Conv2d(8, 8, 3, 1)
            self.dropout1 = nn.Dropout(0.25)
            self.fc1 = nn.Linear(8 * 4 * 4, 16)
            self.fc2 = nn.Linear(16, 2)

        def forward(self, x):
            x = self.conv1(x)
            x = F.relu(x)
            x = self.conv2(x)
            x = F.relu(x)
            x = F.max_pool2d(x, 2)
            x = self.dropout1(x)
            x = torch.flatten(x, 1)
            x = self.fc1(x)
            x = F.relu(x)
            x = self.fc2(x)
            return F.log_softmax(x, dim=1)

    model = Net().to(device)
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    loader = DataLoader(TensorDataset(torch.from_numpy(X), torch.from_numpy(y)), batch_size=16, shuffle=True)
    losses = []
    for epoch in range(1, 7):
        model.train()
        for data, target in loader:
            data, target = data.to(device), target.to(device)
            optimizer.zero_grad()
            output = model(data)
            loss = F.nll_loss(output, target)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
    model.eval()
    correct = 0
    with torch.no_grad():
        output = model(torch.from_numpy(X))
        pred = output.argmax(dim=1, keepdim=True)
        correct += pred.eq(torch.from_numpy(y).view_as(pred)).sum().item()
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)  # "mnist_cnn.pt"
    buf.seek(0)
    Net().load_state_dict(torch.load(buf))
    assert np.mean(losses[-4:]) < np.mean(losses[:4]) / 1.8 and correct / 64 > 0.9


def test_custom_autograd_function_legendre_fit_with_manual_updates():
    class LegendrePolynomial3(torch.autograd.Function):
        # nnlab difference: forward and backward receive NumPy arrays (the code reads the same)
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    dtype = torch.float
    x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
    y = torch.sin(x)
    a = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
    b = torch.full((), -1.0, device=device, dtype=dtype, requires_grad=True)
    c = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
    d = torch.full((), 0.3, device=device, dtype=dtype, requires_grad=True)
    learning_rate = 5e-6
    losses = []
    for t in range(300):
        P3 = LegendrePolynomial3.apply
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    assert losses[-1] < losses[0] / 4


def test_custom_module_polynomial_with_sgd_and_manual_param_update():
    class Polynomial3(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Parameter(torch.randn(()))
            self.b = nn.Parameter(torch.randn(()))
            self.c = nn.Parameter(torch.randn(()))
            self.d = nn.Parameter(torch.randn(()))

        def forward(self, x):
            return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

        def string(self):
            return f"y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + {self.d.item()} x^3"

    torch.manual_seed(0)
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    model = Polynomial3()
    criterion = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
    first = None
    for t in range(200):
        loss = criterion(model(x), y)
        first = first if first is not None else loss.item()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < first / 10 and model.string().startswith("y = ")

    # the nn tutorial's manual loop: param -= learning_rate * param.grad under no_grad
    model2 = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    xx = x.unsqueeze(-1).pow(torch.tensor([1, 2, 3]))
    loss_fn = torch.nn.MSELoss(reduction="sum")
    losses = []
    for t in range(300):
        loss = loss_fn(model2(xx), y)
        losses.append(loss.item())
        model2.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model2.parameters():
                param -= 1e-6 * param.grad
    assert losses[-1] < losses[0] / 10


class RNNModel(nn.Module):
    """The word_language_model example's model: encoder, RNN/LSTM/GRU, decoder."""

    def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.2):
        super().__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        if rnn_type in ["LSTM", "GRU"]:
            self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
        else:
            self.rnn = nn.RNN(ninp, nhid, nlayers, nonlinearity="tanh", dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        self.init_weights()
        self.rnn_type, self.nhid, self.nlayers = rnn_type, nhid, nlayers

    def init_weights(self):
        initrange = 0.1
        nn.init.uniform_(self.encoder.weight, -initrange, initrange)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -initrange, initrange)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output)
        decoded = decoded.view(-1, self.ntoken)
        return F.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        if self.rnn_type == "LSTM":
            return (weight.new_zeros(self.nlayers, bsz, self.nhid), weight.new_zeros(self.nlayers, bsz, self.nhid))
        return weight.new_zeros(self.nlayers, bsz, self.nhid)


def _corpus(n=1200, vocab=12):
    return torch.tensor([(i * 5 + (i // 7)) % vocab for i in range(n)])  # a learnable periodic token stream


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    data = data.narrow(0, 0, nbatch * bsz)
    data = data.view(bsz, -1).t().contiguous()
    return data.to(device)


def get_batch(source, i, bptt=20):
    seq_len = min(bptt, len(source) - 1 - i)
    data = source[i:i + seq_len]
    target = source[i + 1:i + 1 + seq_len].view(-1)
    return data, target


def repackage_hidden(h):
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


def _train_word_lm(rnn_type, lr, epochs=8):
    torch.manual_seed(0)
    train_data = batchify(_corpus(), 10)
    model = RNNModel(rnn_type, 12, 16, 32, 2).to(device)
    criterion = nn.NLLLoss()
    losses = []
    for epoch in range(epochs):
        model.train()
        hidden = model.init_hidden(10)
        for batch, i in enumerate(range(0, train_data.size(0) - 1, 20)):
            data, targets = get_batch(train_data, i)
            model.zero_grad()
            hidden = repackage_hidden(hidden)
            output, hidden = model(data, hidden)
            loss = criterion(output, targets)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
            # the example writes p.array.add_(p.grad, alpha=-lr); in nnlab .data is the array:
            with torch.no_grad():
                for p in model.parameters():
                    p.add_(p.grad, alpha=-lr)
            losses.append(loss.item())
    return losses


def test_word_language_model_rnn_lstm_gru():
    for rnn_type, lr in (("RNN_TANH", 1.0), ("LSTM", 20.0), ("GRU", 5.0)):  # the example's default lr is 20
        losses = _train_word_lm(rnn_type, lr)
        assert np.mean(losses[-3:]) < np.mean(losses[:3]) / 1.8, rnn_type


def test_transformer_language_model():
    class PositionalEncoding(nn.Module):
        def __init__(self, d_model, dropout=0.1, max_len=5000):
            super().__init__()
            self.dropout = nn.Dropout(p=dropout)
            position = torch.arange(max_len).unsqueeze(1)
            div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
            pe = torch.zeros(max_len, 1, d_model)
            pe[:, 0, 0::2] = torch.sin(position * div_term)
            pe[:, 0, 1::2] = torch.cos(position * div_term)
            self.register_buffer("pe", pe)

        def forward(self, x):
            x = x + self.pe[:x.size(0)]
            return self.dropout(x)

    class TransformerModel(nn.Module):
        def __init__(self, ntoken, d_model, nhead, d_hid, nlayers, dropout=0.1):
            super().__init__()
            self.model_type = "Transformer"
            self.pos_encoder = PositionalEncoding(d_model, dropout)
            encoder_layers = nn.TransformerEncoderLayer(d_model, nhead, d_hid, dropout)
            self.transformer_encoder = nn.TransformerEncoder(encoder_layers, nlayers)
            self.embedding = nn.Embedding(ntoken, d_model)
            self.d_model = d_model
            self.linear = nn.Linear(d_model, ntoken)
            initrange = 0.1
            nn.init.uniform_(self.embedding.weight.array, -initrange, initrange)
            nn.init.zeros_(self.linear.bias.array)

        def forward(self, src, src_mask=None):
            src = self.embedding(src) * math.sqrt(self.d_model)
            src = self.pos_encoder(src)
            if src_mask is None:
                src_mask = nn.Transformer.generate_square_subsequent_mask(len(src)).to(device)
            output = self.transformer_encoder(src, src_mask)
            return self.linear(output)

    torch.manual_seed(0)
    train_data = batchify(_corpus(800), 8)
    model = TransformerModel(12, 32, 2, 64, 2, dropout=0.0).to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.95)
    losses = []
    for epoch in range(3):
        model.train()
        for batch, i in enumerate(range(0, train_data.size(0) - 1, 20)):
            data, targets = get_batch(train_data, i)
            output = model(data)
            output_flat = output.view(-1, 12)
            loss = criterion(output_flat, targets)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
    assert np.mean(losses[-3:]) < np.mean(losses[:3]) / 3


def test_char_rnn_name_classifier():
    all_letters = "abcdefghijklmnopqrstuvwxyz"
    n_letters = len(all_letters)
    names = {"A": ["anna", "alba", "ada", "ava", "ana", "aya"], "B": ["bob", "brook", "bjorn", "bo", "bru", "boz"]}
    all_categories = list(names)

    def letterToIndex(letter):
        return all_letters.find(letter)

    def lineToTensor(line):
        tensor = torch.zeros(len(line), 1, n_letters)
        for li, letter in enumerate(line):
            tensor[li][0][letterToIndex(letter)] = 1
        return tensor

    class CharRNN(nn.Module):
        def __init__(self, input_size, hidden_size, output_size):
            super().__init__()
            self.rnn = nn.RNN(input_size, hidden_size)
            self.h2o = nn.Linear(hidden_size, output_size)
            self.softmax = nn.LogSoftmax(dim=1)

        def forward(self, line_tensor):
            rnn_out, hidden = self.rnn(line_tensor)
            output = self.h2o(hidden[0])
            return self.softmax(output)

    torch.manual_seed(2)
    rnn = CharRNN(n_letters, 32, len(all_categories))
    criterion = nn.NLLLoss()
    optimizer = torch.optim.SGD(rnn.parameters(), lr=0.05)
    data = [(torch.tensor([all_categories.index(c)], dtype=torch.long), lineToTensor(n))
            for c in all_categories for n in names[c]]
    epoch_losses = []
    for epoch in range(40):
        total = 0.0
        for label_tensor, text_tensor in data:
            output = rnn(text_tensor)
            loss = criterion(output, label_tensor)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(rnn.parameters(), 3)
            optimizer.step()
            optimizer.zero_grad()
            total += loss.item()
        epoch_losses.append(total / len(data))
    guess = [all_categories[rnn(t).topk(1)[1][0].item()] for _, t in data]
    assert epoch_losses[-1] < epoch_losses[0] / 4 and guess == ["A"] * 6 + ["B"] * 6


def test_seq2seq_with_bahdanau_attention():
    SOS_token, MAX_LENGTH, V, H = 0, 6, 10, 32

    class EncoderRNN(nn.Module):
        def __init__(self, input_size, hidden_size, dropout_p=0.1):
            super().__init__()
            self.embedding = nn.Embedding(input_size, hidden_size)
            self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)
            self.dropout = nn.Dropout(dropout_p)

        def forward(self, input):
            embedded = self.dropout(self.embedding(input))
            return self.gru(embedded)

    class BahdanauAttention(nn.Module):
        def __init__(self, hidden_size):
            super().__init__()
            self.Wa = nn.Linear(hidden_size, hidden_size)
            self.Ua = nn.Linear(hidden_size, hidden_size)
            self.Va = nn.Linear(hidden_size, 1)

        def forward(self, query, keys):
            scores = self.Va(torch.tanh(self.Wa(query) + self.Ua(keys)))
            scores = scores.squeeze(2).unsqueeze(1)
            weights = F.softmax(scores, dim=-1)
            context = torch.bmm(weights, keys)
            return context, weights

    class AttnDecoderRNN(nn.Module):
        def __init__(self, hidden_size, output_size, dropout_p=0.1):
            super().__init__()
            self.embedding = nn.Embedding(output_size, hidden_size)
            self.attention = BahdanauAttention(hidden_size)
            self.gru = nn.GRU(2 * hidden_size, hidden_size, batch_first=True)
            self.out = nn.Linear(hidden_size, output_size)
            self.dropout = nn.Dropout(dropout_p)

        def forward(self, encoder_outputs, encoder_hidden, target_tensor=None):
            batch_size = encoder_outputs.size(0)
            decoder_input = torch.empty(batch_size, 1, dtype=torch.long, device=device).fill_(SOS_token)
            decoder_hidden = encoder_hidden
            decoder_outputs, attentions = [], []
            for i in range(MAX_LENGTH):
                decoder_output, decoder_hidden, attn_weights = self.forward_step(
                    decoder_input, decoder_hidden, encoder_outputs)
                decoder_outputs.append(decoder_output)
                attentions.append(attn_weights)
                if target_tensor is not None:
                    decoder_input = target_tensor[:, i].unsqueeze(1)  # teacher forcing
                else:
                    _, topi = decoder_output.topk(1)
                    decoder_input = topi.squeeze(-1).detach()
            decoder_outputs = torch.cat(decoder_outputs, dim=1)
            decoder_outputs = F.log_softmax(decoder_outputs, dim=-1)
            return decoder_outputs, decoder_hidden, torch.cat(attentions, dim=1)

        def forward_step(self, input, hidden, encoder_outputs):
            embedded = self.dropout(self.embedding(input))
            query = hidden.permute(1, 0, 2)
            context, attn_weights = self.attention(query, encoder_outputs)
            input_gru = torch.cat((embedded, context), dim=2)
            output, hidden = self.gru(input_gru, hidden)
            return self.out(output), hidden, attn_weights

    torch.manual_seed(0)
    g = np.random.default_rng(0)
    src = g.integers(1, V, (64, MAX_LENGTH))
    input_tensor, target_tensor = torch.tensor(src), torch.tensor(src[:, ::-1].copy())  # learn to reverse
    encoder, decoder = EncoderRNN(V, H), AttnDecoderRNN(H, V)
    encoder_optimizer = optim.Adam(encoder.parameters(), lr=0.01)
    decoder_optimizer = optim.Adam(decoder.parameters(), lr=0.01)
    criterion = nn.NLLLoss()
    losses = []
    for epoch in range(25):
        for k in range(0, 64, 16):
            inp, tgt = input_tensor[k:k + 16], target_tensor[k:k + 16]
            encoder_optimizer.zero_grad()
            decoder_optimizer.zero_grad()
            encoder_outputs, encoder_hidden = encoder(inp)
            decoder_outputs, _, _ = decoder(encoder_outputs, encoder_hidden, tgt)
            loss = criterion(decoder_outputs.view(-1, decoder_outputs.size(-1)), tgt.view(-1))
            loss.backward()
            encoder_optimizer.step()
            decoder_optimizer.step()
            losses.append(loss.item())
    assert np.mean(losses[-4:]) < np.mean(losses[:4]) / 3


def test_vae():
    class VAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(64, 32)
            self.fc21 = nn.Linear(32, 4)
            self.fc22 = nn.Linear(32, 4)
            self.fc3 = nn.Linear(4, 32)
            self.fc4 = nn.Linear(32, 64)

        def encode(self, x):
            h1 = F.relu(self.fc1(x))
            return self.fc21(h1), self.fc22(h1)

        def reparameterize(self, mu, logvar):
            std = torch.exp(0.5 * logvar)
            eps = torch.randn_like(std)
            return mu + eps * std

        def decode(self, z):
            h3 = F.relu(self.fc3(z))
            return torch.sigmoid(self.fc4(h3))

        def forward(self, x):
            mu, logvar = self.encode(x.view(-1, 64))
            z = self.reparameterize(mu, logvar)
            return self.decode(z), mu, logvar

    def loss_function(recon_x, x, mu, logvar):
        BCE = F.binary_cross_entropy(recon_x, x.view(-1, 64), reduction="sum")
        KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        return BCE + KLD

    torch.manual_seed(0)
    g = np.random.default_rng(0)
    images = (g.random((128, 1, 8, 8)) < np.linspace(0.05, 0.95, 64).reshape(1, 1, 8, 8)).astype(np.float32)
    train_loader = DataLoader(TensorDataset(torch.tensor(images)), batch_size=32, shuffle=True)
    model = VAE().to(device)
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    epoch_losses = []
    for epoch in range(1, 11):
        model.train()
        train_loss = 0
        for batch_idx, (data,) in enumerate(train_loader):
            data = data.to(device)
            optimizer.zero_grad()
            recon_batch, mu, logvar = model(data)
            loss = loss_function(recon_batch, data, mu, logvar)
            loss.backward()
            train_loss += loss.item()
            optimizer.step()
        epoch_losses.append(train_loss / len(train_loader.dataset))
    assert epoch_losses[-1] < epoch_losses[0] / 1.2 and epoch_losses[-1] < 0.8 * 64 * math.log(2)


def test_dcgan():
    nz, ngf, ndf, nc = 8, 8, 8, 1

    def weights_init(m):
        classname = m.__class__.__name__
        if classname.find("Conv") != -1:
            nn.init.normal_(m.weight.array, 0.0, 0.02)
        elif classname.find("BatchNorm") != -1:
            nn.init.normal_(m.weight.array, 1.0, 0.02)
            nn.init.constant_(m.bias.array, 0)

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            self.main = nn.Sequential(
                nn.ConvTranspose2d(nz, ngf * 2, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
                nn.ConvTranspose2d(ngf * 2, nc, 4, 2, 1, bias=False), nn.Tanh())

        def forward(self, input):
            return self.main(input)

    class Discriminator(nn.Module):
        def __init__(self):
            super().__init__()
            self.main = nn.Sequential(
                nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(ndf, 1, 4, 1, 0, bias=False), nn.Sigmoid())

        def forward(self, input):
            return self.main(input)

    torch.manual_seed(999)
    netG, netD = Generator().to(device), Discriminator().to(device)
    netG.apply(weights_init)
    netD.apply(weights_init)
    criterion = nn.BCELoss()
    real_label, fake_label = 1.0, 0.0
    optimizerD = optim.Adam(netD.parameters(), lr=2e-3, betas=(0.5, 0.999))
    optimizerG = optim.Adam(netG.parameters(), lr=2e-3, betas=(0.5, 0.999))
    pattern = torch.zeros(1, 1, 8, 8)
    pattern[..., 2:6, :] = 0.8  # the "dataset": a bright band
    fixed_noise = torch.randn(64, nz, 1, 1, device=device)

    def gap():
        with torch.no_grad():
            return (netG(fixed_noise) - pattern).abs().mean().item()

    start = gap()
    for i in range(120):
        real_cpu = pattern.expand(16, 1, 8, 8) + 0.05 * torch.randn(16, 1, 8, 8)
        b_size = real_cpu.size(0)
        netD.zero_grad()
        label = torch.full((b_size,), real_label, dtype=torch.float, device=device)
        output = netD(real_cpu).view(-1)
        errD_real = criterion(output, label)
        errD_real.backward()
        noise = torch.randn(b_size, nz, 1, 1, device=device)
        fake = netG(noise)
        label.fill_(fake_label)
        output = netD(fake.detach()).view(-1)
        errD_fake = criterion(output, label)
        errD_fake.backward()
        optimizerD.step()
        netG.zero_grad()
        label.fill_(real_label)
        output = netD(fake).view(-1)
        errG = criterion(output, label)
        errG.backward()
        optimizerG.step()
    assert gap() < start / 2.5


def test_transfer_learning_with_frozen_layers_and_zoo_weights():
    torch.manual_seed(0)
    pretrained = torch.models.resnet18(num_classes=10)
    buf = io.BytesIO()
    torch.save(pretrained.state_dict(), buf)  # "a user's file"
    buf.seek(0)
    model_conv = torch.models.resnet18(num_classes=10, weights=buf)
    for param in model_conv.parameters():
        param.requires_grad = False
    frozen = copy.deepcopy(model_conv.layer1[0].conv1.weight.numpy())
    num_ftrs = model_conv.fc.in_features
    model_conv.fc = nn.Linear(num_ftrs, 2)
    model_conv = model_conv.to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer_conv = optim.SGD(model_conv.fc.parameters(), lr=0.05, momentum=0.9)
    exp_lr_scheduler = torch.optim.lr_scheduler.StepLR(optimizer_conv, step_size=7, gamma=0.1)
    g = np.random.default_rng(0)
    labels_np = g.integers(0, 2, 24)
    images = g.standard_normal((24, 3, 16, 16)).astype(np.float32) * 0.5
    images[labels_np == 1, 0] += 1.0  # class 1: a red tint
    ds = TensorDataset(torch.tensor(images), torch.tensor(labels_np))
    train_set, val_set = random_split(ds, [16, 8], generator=np.random.default_rng(0))
    dataloaders = {"train": DataLoader(train_set, batch_size=8, shuffle=True), "val": DataLoader(val_set, batch_size=8)}
    history = []
    best_model_wts = copy.deepcopy(model_conv.state_dict())
    for epoch in range(8):
        for phase in ["train", "val"]:
            model_conv.train() if phase == "train" else model_conv.eval()
            running_loss, running_corrects = 0.0, 0
            for inputs, labels in dataloaders[phase]:
                optimizer_conv.zero_grad()
                with torch.set_grad_enabled(phase == "train"):
                    outputs = model_conv(inputs)
                    _, preds = torch.max(outputs, 1)
                    loss = criterion(outputs, labels)
                    if phase == "train":
                        loss.backward()
                        optimizer_conv.step()
                running_loss += loss.item() * inputs.size(0)
                running_corrects += torch.sum(preds == labels).item()
            if phase == "train":
                exp_lr_scheduler.step()
                history.append(running_loss / len(train_set))
        best_model_wts = copy.deepcopy(model_conv.state_dict())
    model_conv.load_state_dict(best_model_wts)
    assert np.array_equal(model_conv.layer1[0].conv1.weight.numpy(), frozen)  # the frozen layers did not move
    assert history[-1] < history[0] / 2

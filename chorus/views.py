from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render


def home(request: HttpRequest) -> HttpResponse:
    """Landing page for visitors; signed-in users go straight to their space."""
    if request.user.is_authenticated:
        return redirect("structures:mine")
    return render(request, "home.html")
